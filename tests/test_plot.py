"""`symcount plot`: one line per cell with the right values, files by extension, the extra."""

import doctest
import os
import re
import shutil
import struct
import subprocess
import sys
import warnings

import pytest

import symcount
from symcount import cli
from symcount.render import Report
from symcount.symbols import size_symbol

pytest.importorskip("matplotlib", reason="the plot extra is not installed")
pytest.importorskip("numpy", reason="the plot extra is not installed")

from symcount.render import plot  # noqa: E402  (after the skip: it needs the extra)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_line_per_cell_with_the_counts():
    cells = ["lstm", "gru", "torch.lstm_proj"]
    used = [symcount.builtin(c) for c in cells]
    # only the sizes each cell has, as the CLI sets them
    sizes = [{k: v for k, v in {"m": 256, "p": 64}.items() if k in map(str, c.dims)} for c in used]
    reports = [Report(c.summary, s) for c, s in zip(used, sizes, strict=True)]
    fig = plot.figure(reports, "n", 1, 1024)
    [ax] = fig.axes
    lines = ax.get_lines()
    assert [line.get_label().split(":")[0] for line in lines] == cells
    assert lines[0].get_label() == r"lstm: $4 n \left(m + n + 1\right)$"
    for line, cell, report in zip(lines, used, reports, strict=True):
        x, y = line.get_xdata(), line.get_ydata()
        assert list(x) == list(range(1, 1025))  # every size when there are few enough
        for n in (1, 2, 100, 777, 1024):
            assert y[n - 1] == cell.evaluate(n=n, **report.sizes)
    assert ax.get_xlabel() == "size $n$ ($m = 256$, $p = 64$)"  # the sizes held fixed
    assert ax.get_ylabel() == "trainable parameters"
    assert ax.get_title() == ""  # a paper's caption says what the figure shows


def test_large_ranges_are_sampled_and_log_axes():
    lstm = symcount.builtin("lstm")
    report = Report(lstm.summary, {"m": 10})
    fig = plot.figure([report], "n", 1, 10**6, log=True)
    [ax] = fig.axes
    [line] = ax.get_lines()
    x, y = line.get_xdata(), line.get_ydata()
    assert len(x) <= plot.MAX_POINTS and x[0] == 1 and x[-1] == 10**6
    assert all(v == int(v) for v in x)  # sizes are whole numbers
    for i in (0, len(x) // 2, len(x) - 1):
        assert y[i] == lstm.evaluate(m=10, n=int(x[i]))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_a_cell_without_the_varied_size_is_a_flat_line():
    [flat] = symcount.loads("cell f(m)\n input x : m\n state h : 4\n h' = W @ x + b\nend\n")
    fig = plot.figure([Report(flat.summary, {"m": 3})], "n", 1, 50)
    [line] = fig.axes[0].get_lines()
    assert set(line.get_ydata()) == {flat.evaluate(m=3)}


def test_stacks_are_plotted_as_stacks(capsys, tmp_path):
    stack = symcount.builtin("torch.lstm").stacked("L", bidirectional=True)
    fig = plot.figure([Report(stack.summary, {"m": 10, "n": 20})], "L", 1, 8)
    [line] = fig.axes[0].get_lines()
    assert list(line.get_ydata()) == [stack.evaluate(m=10, n=20, L=k) for k in range(1, 9)]
    assert "(L layers, bidirectional)" in line.get_label()


MAGIC = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF",
         "eps": b"%!PS-Adobe-3.0 EPSF", "ps": b"%!PS-Adobe-3.0\n"}  # fmt: skip


@pytest.mark.parametrize("ext, magic", MAGIC.items())
def test_cli_writes_the_format_of_the_extension(capsys, tmp_path, ext, magic):
    target = tmp_path / f"counts.{ext}"
    argv = ["plot", "lstm", "gru", "--vary", "n=1:64", "--set", "m=32", "-o", str(target)]
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (0, "", "")
    assert target.read_bytes().startswith(magic)
    assert os.listdir(tmp_path) == [target.name]
    first = target.read_bytes()
    run(capsys, *argv)
    assert target.read_bytes() == first  # no date or version: same input, same file


def test_cli_with_stacking_flags(capsys, tmp_path):
    target = tmp_path / "stack.svg"
    code, _, err = run(
        capsys, "plot", "gru", "--layers", "L", "--vary", "L=1:6", "--set", "m=8",
        "--set", "n=16", "--log", "-o", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert b"gru" in target.read_bytes()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lstm", "--vary", "n=1:10", "-o", "x.png"], "needs a value for m: add --set m=INT"),
        (["lstm", "--vary", "k=1:10", "--set", "m=3", "-o", "x.png"], "no selected cell has a size symbol 'k'"),
        (["lstm", "--vary", "n=1:10", "--set", "m=3", "-o", "x.gif"], "must end in .pdf, .eps, .ps, .svg or .png"),
        (["lstm", "--vary", "n=1:10", "--set", "n=3", "-o", "x.png"], "cannot also be set"),
        (["lstm", "--vary", "n=1:10", "--set", "m=3", "--set", "q=3", "-o", "x.png"], "--set q"),
    ],
)  # fmt: skip
def test_usage_errors(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "plot", *argv)
    assert code == 2 and message in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("vary", ["n", "n=5", "n=1:", "n=0:5", "n=10:2", "=1:5", "n=a:b"])
def test_bad_ranges(capsys, vary):
    with pytest.raises(SystemExit) as info:
        cli.main(["plot", "lstm", "--vary", vary, "-o", "x.png"])
    assert info.value.code == 2


def test_a_failing_run_leaves_the_existing_file_alone(capsys, tmp_path):
    target = tmp_path / "fig.png"
    target.write_bytes(b"precious")
    code, _, err = run(capsys, "plot", "lstn", "--vary", "n=1:10", "-o", str(target))
    assert code == 1 and "did you mean 'lstm'" in err
    assert target.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["fig.png"]


def test_without_matplotlib_it_names_the_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    code, out, err = run(capsys, "plot", "lstm", "--vary", "n=1:10", "-o", "x.png")
    assert code == 1 and out == ""
    assert err == "symcount plot needs matplotlib: pip install 'symcount[plot]'\n"


def test_docstring_examples():
    result = doctest.testmod(plot)
    assert result.failed == 0 and result.attempted > 0


# ---- sizes where a derived size is no size: skipped, and said ----

HEADS = """\
cell mh(m, n, H) "recurrent cell with H heads"
    size d = n / H
    input x : m
    state h : n
    param R : blockdiag(H, d, d)
    h' = tanh(W @ x + R @ h + b)
end
"""

# Derived sizes that are no size at some points of the x axis: not whole,
# less than 1, a division by zero; with a count that is a polynomial once the
# other sizes are set (drawn exactly) and one that is not (evaluated anew).
REFUSING = [
    (HEADS, "n", 1, 40, {"m": 8, "H": 4}),
    (HEADS, "H", 1, 12, {"m": 8, "n": 12}),
    (
        "cell f(m, n)\n size k = floor(n / 16)\n input x : m\n state h : n\n state s : k\n"
        " h' = tanh(W @ x + U @ h)\n s' = tanh(V @ s + A @ x)\nend\n",
        "n", 1, 40, {"m": 3},
    ),
    (
        "cell z(m, n, H)\n size d = n / (H - 1)\n input x : m\n state h : n\n state s : d\n"
        " h' = tanh(W @ x + U @ h)\n s' = tanh(V @ s + A @ x)\nend\n",
        "H", 1, 7, {"m": 3, "n": 6},
    ),
    (
        "cell two(m, n, H)\n size d = n / H\n size k = floor(n / 16)\n input x : m\n state h : n\n"
        " state s : k\n param R : blockdiag(H, d, d)\n h' = tanh(W @ x + R @ h + b)\n"
        " s' = tanh(V @ h)\nend\n",
        "n", 1, 40, {"m": 8, "H": 2},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "text, symbol, start, stop, fixed", REFUSING, ids=["d=n/H", "d=n/H at H", "floor", "n/0", "two"]
)
def test_a_plot_draws_what_count_counts_and_skips_what_it_refuses(text, symbol, start, stop, fixed):
    # Before: fractional counts drawn where `count --set` refuses the sizes
    # (or, for a count with floor in it, a PlotError for the whole plot).
    [cell] = symcount.loads(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plot.figure([Report(cell.summary, fixed)], symbol, start, stop)
    [line] = fig.axes[0].get_lines()
    drawn = dict(zip(line.get_xdata(), line.get_ydata(), strict=True))
    skipped = set()
    for size in range(start, stop + 1):
        try:
            value = cell.evaluate(**fixed, **{symbol: size})
        except ValueError:  # what `count --set` refuses
            skipped.add(size)
            assert size not in drawn
        else:
            assert drawn[size] == value
    assert skipped and set(drawn) == set(range(start, stop + 1)) - skipped
    assert line.get_markevery() is None  # every size drawn is marked
    assert {type(w.message).__name__ for w in caught} == {"SkippedSizes"}
    named = sum(int(str(w.message).split(" of ")[0].split()[-1]) for w in caught)
    assert named == len(skipped)  # "... is not drawn at 6 of the 7 sizes: ..."


def test_the_skipped_sizes_are_named_in_the_warning_and_the_figure():
    [cell] = symcount.loads(HEADS, filename="heads.cell")
    with pytest.warns(plot.SkippedSizes) as caught:
        fig = plot.figure([Report(cell.summary, {"m": 8, "H": 4})], "n", 9, 15)
    [line] = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [12]
    assert list(line.get_ydata()) == [cell.evaluate(m=8, n=12, H=4)]
    [warning] = [w.message.warning for w in caught]
    assert warning.message == (
        "cell 'mh' is not drawn at 6 of the 7 sizes: size d = n / H is not a positive whole "
        "number at n=9..11, 13..15 with H=4"
    )
    assert (warning.filename, warning.line, warning.column) == ("heads.cell", 2, 5)
    [legend] = fig.legends
    assert legend.get_title().get_text() == (  # above the entries, wrapped to the figure's width
        "mh: not drawn where size d = n / H is not a positive whole number\nat n=9..11, 13..15 with H=4"
    )


def test_a_plot_with_nothing_skipped_has_no_note_and_a_few_markers(recwarn):
    [cell] = symcount.loads(HEADS)
    fig = plot.figure([Report(cell.summary, {"m": 8, "H": 1})], "n", 1, 20)
    [line] = fig.axes[0].get_lines()
    assert len(line.get_xdata()) == 20 and line.get_markevery() is not None
    [legend] = fig.legends
    assert legend.get_title().get_text() == "" and not recwarn.list


def test_cli_prints_the_skipped_sizes_as_a_warning_at_the_size(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "heads.cell").write_text(HEADS)
    argv = ["plot", "heads.cell", "lstm", "--vary", "n=9:15", "--set", "m=8", "--set", "H=4"]
    code, out, err = run(capsys, *argv, "-o", "out.png")
    assert (code, out) == (0, "")
    assert err == (
        "heads.cell:2:5: warning: cell 'mh' is not drawn at 6 of the 7 sizes: size d = n / H "
        "is not a positive whole number at n=9..11, 13..15 with H=4\n"
        "        size d = n / H\n"
        "        ^~~~~~~~~~~~~~\n"
    )
    assert (tmp_path / "out.png").read_bytes().startswith(b"\x89PNG")
    # --strict makes it an error, and nothing is written.
    code, out, err = run(capsys, *argv, "--strict", "-o", "strict.png")
    assert (code, out) == (1, "")
    assert err.startswith("heads.cell:2:5: error: cell 'mh' is not drawn at 6 of the 7 sizes")
    assert not (tmp_path / "strict.png").exists()


def test_cli_with_no_size_to_draw_is_an_input_error(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "heads.cell").write_text(HEADS)
    code, out, err = run(
        capsys, "plot", "heads.cell", "--vary", "n=9:11", "--set", "m=8", "--set", "H=4",
        "-o", "out.png",
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        "heads.cell:2:5: error: cell 'mh' has no size to plot in n=9:11: size d = n / H is not "
        "a positive whole number at n=9..11 with H=4\n"
        "        size d = n / H\n"
        "        ^~~~~~~~~~~~~~\n"
    )
    assert os.listdir(tmp_path) == ["heads.cell"]


def test_stacks_and_log_axes_skip_the_same_sizes(capsys, tmp_path):
    [cell] = symcount.loads(HEADS)
    stack = cell.stacked(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plot.figure([Report(stack.summary, {"m": 8, "H": 4})], "n", 1, 20, log=True)
    [line] = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [4, 8, 12, 16, 20]
    assert list(line.get_ydata()) == [stack.evaluate(m=8, n=n, H=4) for n in (4, 8, 12, 16, 20)]
    [note] = caught
    assert "is not drawn at 15 of the 20 sizes" in str(note.message)


def test_a_derived_size_of_a_free_extent_does_not_stop_a_plot(recwarn):
    # `count --set` lets it pass (no count reads it); so does the plot.
    [cell] = symcount.loads(
        "cell fm(c, k)\n size rows\n size cols\n size half = ceil(rows / 2)\n"
        " input X : (c, rows, cols)\n state H : (k, rows, cols)\n param b : k\n"
        " H' = tanh(conv(W_x, X, 3) + conv(W_h, H, 3) + b)\nend\n"
    )
    fig = plot.figure([Report(cell.summary, {"k": 4})], "c", 1, 5)
    [line] = fig.axes[0].get_lines()
    c, k = size_symbol("c"), size_symbol("k")
    assert list(line.get_ydata()) == [int(cell.count.subs({c: v, k: 4})) for v in range(1, 6)]
    assert not recwarn.list


# ---- a figure for a paper (docs/cli.md, "plot") ----

TEN = ["lstm", "gru", "rnn", "mgu", "indrnn", "cifg", "mingru", "minlstm", "ligru", "peephole_lstm"]


def ten_cells(**settings):
    reports = [Report(symcount.builtin(name).summary, {"m": 128}) for name in TEN]
    return plot.figure(reports, "n", 1, 512, **settings)


def plot_file(capsys, tmp_path, name, *flags):
    target = tmp_path / name
    argv = ["plot", "lstm", "gru", "--vary", "n=1:64", "--set", "m=32", *flags, "-o", str(target)]
    code, out, err = run(capsys, *argv)
    assert (code, out, err) == (0, "", "")
    return target


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="needs pdffonts (poppler-utils)")
def test_a_pdf_has_truetype_fonts_and_no_type_3(capsys, tmp_path):
    # Before: matplotlib's default, Type 3, which camera-ready checks refuse.
    target = plot_file(capsys, tmp_path, "fonts.pdf", "--title", "Counts at $m = 32$")
    fonts = subprocess.run(["pdffonts", target], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]  # after the header and its rule
    assert rows and all("TrueType" in row for row in rows), fonts
    assert "Type 3" not in fonts


@pytest.mark.parametrize("ext", ["eps", "ps"])
def test_postscript_has_type_42_fonts_and_no_type_3(capsys, tmp_path, ext):
    data = plot_file(capsys, tmp_path, f"fonts.{ext}").read_bytes()
    assert b"/FontType 42 def" in data and b"/FontType 3 def" not in data
    assert b"%%CreationDate" not in data and b"Matplotlib" not in data  # no date, no version


def test_the_style_is_the_figures_not_the_callers(tmp_path):
    import matplotlib

    before = dict(matplotlib.rcParams)
    fig = ten_cells()
    with open(tmp_path / "x.pdf", "wb") as out:
        plot.save(fig, out, "pdf")
    assert dict(matplotlib.rcParams) == before  # a notebook keeps its own settings


def media_box(pdf: bytes) -> list[float]:
    [box] = re.findall(rb"/MediaBox \[ *([\d. ]+?) *\]", pdf)
    return [float(v) for v in box.split()]


def png_pixels(png: bytes) -> tuple[int, int]:
    return struct.unpack(">II", png[16:24])  # width and height, in the IHDR chunk


def test_the_default_size_is_one_column_of_a_two_column_paper(capsys, tmp_path):
    pdf, png = (plot_file(capsys, tmp_path, name).read_bytes() for name in ("col.pdf", "col.png"))
    assert media_box(pdf) == [0, 0, 237.6, 172.8]  # 3.3 x 2.4 in, in points
    assert png_pixels(png) == (990, 720)  # at 300 dpi


def test_size_and_dpi_are_honoured(capsys, tmp_path):
    pdf = plot_file(capsys, tmp_path, "wide.pdf", "--size", "7,4.5", "--dpi", "100")
    assert media_box(pdf.read_bytes()) == [0, 0, 504, 324]  # a PDF has no pixels: --dpi leaves it
    png = plot_file(capsys, tmp_path, "wide.png", "--size", "7,4.5", "--dpi", "100")
    assert png_pixels(png.read_bytes()) == (700, 450)
    eps = plot_file(capsys, tmp_path, "wide.eps", "--size", "2.5,2")
    assert b"%%BoundingBox: 0 0 180 144\n" in eps.read_bytes()


def test_ten_cells_each_have_their_own_line_style_marker_and_colour():
    # Before: ten solid lines in colour alone, gru hidden under cifg (one count).
    lines = ten_cells().axes[0].get_lines()
    looks = [(line.get_linestyle(), line.get_marker()) for line in lines]
    assert len(set(looks)) == 10 and len({marker for _, marker in looks}) == 10
    assert len({style for style, _ in looks}) == len(plot.LINE_STYLES)  # for grey print
    assert all(a[0] != b[0] for a, b in zip(looks, looks[1:], strict=False))
    assert len({line.get_color() for line in lines}) == 10
    starts = [line.get_markevery()[0] for line in lines]  # markers of coinciding lines side by side
    assert len(set(starts)) == 10


def test_ten_cells_keep_a_legend_below_the_axes_inside_the_figure():
    fig = ten_cells()
    fig.canvas.draw()
    [legend] = fig.legends
    entries = [text.get_text() for text in legend.get_texts()]
    assert entries == TEN  # names alone: ten formulas would leave no room for the axes
    box, axes = legend.get_window_extent(), fig.axes[0].get_tightbbox()
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    assert box.y1 <= axes.y0  # below the axes and their labels, covering nothing
    assert legend._ncols > 1 and axes.height > 0.5 * fig.bbox.height
    assert legend.get_texts()[0].get_fontsize() == 7  # a column figure beside 9-10 pt text


def test_a_few_cells_keep_their_formulas_in_the_legend():
    reports = [Report(symcount.builtin(name).summary, {"m": 128}) for name in ("lstm", "gru")]
    [legend] = plot.figure(reports, "n", 1, 512).legends
    assert [t.get_text() for t in legend.get_texts()] == [
        r"lstm: $4 n \left(m + n + 1\right)$",
        r"gru: $3 n \left(m + n + 1\right)$",
    ]


def test_the_legend_names_cells_through_legend_name(monkeypatch):
    monkeypatch.setattr(plot, "legend_name", lambda net: rf"$\mathrm{{{net.name.upper()}}}$")
    fig = plot.figure([Report(symcount.builtin("lstm").summary, {"m": 3})], "n", 1, 9)
    [line] = fig.axes[0].get_lines()
    assert line.get_label().startswith(r"$\mathrm{LSTM}$: $4 n")


@pytest.mark.parametrize("symbol, stop", [("L", 3), ("n", 7), ("n", 512)])
def test_ticks_are_whole_numbers_on_both_axes(symbol, stop):
    # Before: L=1:3 gave ticks at 1.25, 1.5, 1.75 layers.
    stack = symcount.builtin("rnn").stacked("L")
    sizes = {"m": 2, "L": 2} if symbol == "n" else {"m": 2, "n": 1}
    fig = plot.figure([Report(stack.summary, sizes)], symbol, 1, stop)
    fig.canvas.draw()
    ax = fig.axes[0]
    for ticks in (ax.get_xticks(), ax.get_yticks()):
        assert len(ticks) >= 2 and all(v == int(v) for v in ticks)


def test_no_title_unless_asked(capsys):
    lstm = [Report(symcount.builtin("lstm").summary, {"m": 3})]
    assert plot.figure(lstm, "n", 1, 9).axes[0].get_title() == ""
    titled = plot.figure(lstm, "n", 1, 9, title="LSTM at $m = 3$")
    assert titled.axes[0].get_title() == "LSTM at $m = 3$"


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--size", "3.3"], "argument --size: size must be W,H in inches, such as 3.3,2.4; got '3.3'"),
        (["--size", "3,2,1"], "argument --size: size must be W,H"),
        (["--size", "a,b"], "argument --size: size must be W,H"),
        (["--size", "0,2"], "argument --size: size must be between 0.5 and 50 inches each way, got '0,2'"),
        (["--size", "nan,2"], "size must be between 0.5 and 50 inches"),
        (["--size", "3,inf"], "size must be between 0.5 and 50 inches"),
        (["--size=-3,2"], "size must be between 0.5 and 50 inches"),
        (["--dpi", "0"], "argument --dpi: dpi must be a whole number from 10 to 1200, got '0'"),
        (["--dpi", "72.5"], "dpi must be a whole number"),
        (["--dpi", "99999"], "dpi must be a whole number"),
        (["--dpi", "9" * 5000], "dpi must be a whole number"),
        (["--title", "\udcff"], "argument --title: expected text in UTF-8, got '\\udcff'"),
    ],
)  # fmt: skip
def test_bad_size_dpi_and_title_are_usage_errors(capsys, tmp_path, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        cli.main(["plot", "lstm", "--vary", "n=1:10", "--set", "m=3", *flags, "-o", "x.png"])
    assert info.value.code == 2 and message in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "flags, msg",
    [
        (["--size", "40,40", "--dpi", "1200"], "a figure of 40 x 40 in at 1200 dpi is 48,000 x 48,000 pixels"),
        (["--title", r"$\frobnicate$"], r"title '$\\frobnicate$': its $...$ is not mathtext matplotlib reads"),
        (["--title", "$x^$"], "its $...$ is not mathtext matplotlib reads"),
    ],
)  # fmt: skip
def test_a_figure_matplotlib_cannot_draw_is_a_usage_error(capsys, tmp_path, monkeypatch, flags, msg):
    monkeypatch.chdir(tmp_path)
    argv = ["plot", "lstm", "--vary", "n=1:10", "--set", "m=3", *flags, "-o", "x.pdf"]
    code, _, err = run(capsys, *argv)
    assert code == 2 and msg in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "settings, message",
    [({"size": (0, 2)}, "size must be between"), ({"size": "3"}, "size must be W,H"),
     ({"dpi": 3.5}, "dpi must be a whole number"), ({"dpi": True}, "dpi must be"),
     ({"title": 3}, "expected text"), ({"title": "\udcff"}, "expected text in UTF-8")],
)  # fmt: skip
def test_the_api_checks_the_settings_as_the_command_line_does(settings, message):
    with pytest.raises(ValueError, match=message):
        plot.figure([Report(symcount.builtin("lstm").summary, {"m": 3})], "n", 1, 9, **settings)
