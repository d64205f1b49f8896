"""Plots for `symcount plot`: parameter count against one size, one line per cell.

Not one of the text formats of the registry (`render()`): a plot is an image
written to a file. matplotlib and numpy are an optional extra
(`pip install 'symcount[plot]'`) and are imported only when a plot is drawn,
through the Agg canvas, so no window system is ever involved. Counts are
evaluated exactly, in integers, from the polynomial the parse tree gives
(never by evaluating user text), and only then rounded to floats to be drawn.

A size on the x axis where `count --set` would refuse the cell's sizes (a
derived `size d = n / H` that is not whole there) is skipped, never drawn
as a fraction: the figure says which above its legend, and a `SkippedSizes`
warning, located at that size's declaration, says it to the caller (the
command line prints it as it prints the cell's warnings; see the README's
Plots section). A cell with no size left to draw is an input error.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import textwrap
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import sympy

from .. import ir
from ..counting import evaluation
from ..counting.summary import Summary
from ..errors import Location, SymcountError, SymcountWarning
from ..shapes.sizes import SizeValueError
from ..symbols import size_symbol
from . import Report, tex
from .settings import PLOT, PLOT_FILES
from .sweep import located

INSTALL_HINT = "pip install 'symcount[plot]'"
MAX_POINTS = 1024  # every integer size up to this many; evenly spread samples beyond
# The x axis is drawn in floats: beyond 2**53 neighbouring sizes fall on one point.
MAX_SIZE = 2**53
MAX_FORMULA = 120  # characters of LaTeX in a legend entry
MAX_FIXED_SIZES = 4  # fixed sizes named in the x axis label
_LONG = 10**15  # numbers this long are written with an exponent
MAX_LISTED = 6  # sizes (or runs of them) a note on skipped sizes names; the rest are "..."


class PlotError(ValueError):
    """Sizes that cannot be drawn (a count past the largest float)."""


class SkippedSizes(UserWarning):
    """Sizes on the x axis where a cell is not drawn, because a derived size is no
    positive whole number there (`count --set` refuses the same sizes). `warning`
    is the note located at that size's declaration."""

    def __init__(self, warning: SymcountWarning):
        super().__init__(warning.message)
        self.warning = warning


@dataclass(frozen=True)
class Curve:
    """One cell's line: the sizes drawn with their counts, and the sizes skipped,
    by the derived size that is no size there (in the order they were met)."""

    x: list[int]
    y: list[float]
    skipped: dict[str, list[int]]


def file_format(path: str) -> str | None:
    """'pdf', 'eps', 'ps', 'svg' or 'png' from the file name's extension; None for
    anything else."""
    return PLOT_FILES.get(os.path.splitext(path)[1].lower())


def require() -> None:
    """Raise ImportError when the `plot` extra is not installed."""
    # matplotlib's notes on its cache folders (a HOME it cannot write, a first
    # run) are logged to stderr when nothing else takes them.
    logging.getLogger("matplotlib").addHandler(logging.NullHandler())
    import matplotlib  # noqa: F401
    import numpy  # noqa: F401


def sizes(start: int, stop: int, log: bool = False) -> list[int]:
    """The integer sizes to evaluate: all of them, or MAX_POINTS spread evenly
    (evenly on a log scale with `log`).

    >>> sizes(1, 5)
    [1, 2, 3, 4, 5]
    >>> points = sizes(1, 10**6, log=True)
    >>> len(points) <= MAX_POINTS, points[:3], points[-1]
    (True, [1, 2, 3], 1000000)
    """
    if stop - start < MAX_POINTS:
        return list(range(start, stop + 1))
    steps = MAX_POINTS - 1
    if not log:  # in whole numbers: exact however large the sizes
        return [start + (2 * (stop - start) * i + steps) // (2 * steps) for i in range(MAX_POINTS)]
    ratio = math.log(stop / start)
    spread = {round(start * math.exp(ratio * i / steps)) for i in range(1, steps)}
    return sorted({start, stop} | {x for x in spread if start < x < stop})


def curve(report: Report, symbol: str, x: list[int], log: bool = False) -> Curve:
    """The cell's count at the sizes in `x` for `symbol`, the other sizes as set,
    skipping those where a derived size is no positive whole number.

    Counted exactly in integers, then rounded to floats for drawing (a float
    is exact up to 2**53). A count too large for a float is a PlotError, and
    so is a count of 0 for a `log` plot.
    """
    drawn: list[int] = []
    skipped: dict[str, list[int]] = {}
    for size in x:
        refused = _refused(report, symbol, size)
        if refused is None:
            drawn.append(size)
        else:
            skipped.setdefault(refused.size, []).append(size)
    fixed = {size_symbol(k): v for k, v in report.sizes.items() if k != symbol}
    explicit = report.summary.explicit_count.subs(fixed)
    if explicit.is_polynomial(size_symbol(symbol)):
        count = _exact(explicit, size_symbol(symbol))
    else:  # a derived size (`R = ceil(D / 16)`) in it: counted from the sizes at each point
        count = _evaluated(report, symbol)
    points = []
    for size in drawn:
        value = count(size)
        if log and value <= 0:
            raise PlotError(
                f"the count of {report.summary.definition.kind} '{report.summary.name}' is {value} at {symbol}={size}, "
                "which logarithmic axes cannot show"
            )
        try:
            points.append(float(value))
        except OverflowError:
            raise PlotError(
                f"the count of {report.summary.definition.kind} '{report.summary.name}' has {_digits(value)} digits at these "
                "sizes, too many to plot: a plot draws counts up to 1.8e308"
            ) from None
    return Curve(drawn, points, skipped)


def _refused(report: Report, symbol: str, size: int) -> SizeValueError | None:
    """Why the cell's sizes with `symbol` at `size` are no sizes, or None.

    The derived sizes are computed by the code that computes them for
    `count --set` (`shapes.sizes.evaluate`), so a plot draws what `count`
    counts and skips what it refuses.
    """
    try:
        evaluation.size_values(report.summary.derived, {**report.sizes, symbol: size})
    except SizeValueError as e:
        return e
    return None


def _exact(count: sympy.Expr, symbol: sympy.Symbol):
    """A function of one whole number giving `count` exactly."""
    coefficients = [Fraction(int(c.p), int(c.q)) for c in sympy.Poly(count, symbol).all_coeffs()]

    def horner(size: int) -> Fraction:
        value = Fraction(0)
        for c in coefficients:
            value = value * size + c
        return value

    return horner


def _evaluated(report: Report, symbol: str):
    """A function of one whole number giving the count, its derived sizes computed
    anew (at a size `_refused` let through)."""

    def value(size: int) -> int:
        return Report(report.summary, {**report.sizes, symbol: size}).value

    return value


def _skip_notes(report: Report, symbol: str, line: Curve) -> list[SymcountWarning]:
    """A note for each derived size that made the plot skip sizes of the cell,
    located at its declaration: "cell 'mh' is not drawn at 6 of the 7 sizes:
    size d = n / H is not a positive whole number at n=9..11, 13..15 with H=4"."""
    tried = len(line.x) + sum(len(at) for at in line.skipped.values())
    return [
        SymcountWarning(
            f"{report.summary.definition.kind} '{report.summary.name}' is not drawn at {len(at)} of the {tried} sizes: "
            + _reason(report, symbol, size, at),
            _declaration(report.summary, size),
        )
        for size, at in line.skipped.items()
    ]


def _nothing_to_draw(report: Report, symbol: str, line: Curve, start: int, stop: int):
    """The input error for a cell skipped at every size of the x axis."""
    reasons = "; ".join(_reason(report, symbol, size, at) for size, at in line.skipped.items())
    return SymcountError(
        f"{report.summary.definition.kind} '{report.summary.name}' has no size to plot in {symbol}={start}:{stop}: {reasons}",
        _declaration(report.summary, next(iter(line.skipped))),
    )


def _reason(report: Report, symbol: str, size: str, at: list[int]) -> str:
    """'size d = n / H is not a positive whole number at n=9..11, 13..15 with H=4'."""
    described = report.summary.derived.described(size)
    fixed = ", ".join(f"{k}={v}" for k, v in report.sizes.items() if k in described.reads - {symbol})
    text = f"{described.what} {described.wrong} at {symbol}={_listed(at)}"
    return f"{text} with {fixed}" if fixed else text


def _declaration(net: Summary, size: str) -> Location:
    """Where a size is declared (a later layer's R_2: R's definition; a size of the
    cell's: where it comes from): the caret of a note about it goes under it."""
    declarations = () if net.is_model else net.cell.declarations
    decl = next((d for d in declarations if isinstance(d, ir.SizeDecl) and d.name == size), None)
    if decl is not None:
        return net.cell.source.location(decl.span)
    return located(net, net.derived.described(size).span)


def _listed(values: list[int]) -> str:
    """Sizes in order, a run of three or more as first..last, at most MAX_LISTED
    pieces (the last one kept after "...").

    >>> _listed([9, 10, 11, 13, 14, 15]), _listed([1, 3, 5])
    ('9..11, 13..15', '1, 3, 5')
    >>> _listed(list(range(1, 40, 2)))
    '1, 3, 5, 7, ..., 39'
    """
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    pieces = []
    for first, last in runs:
        if last - first >= 2:
            pieces.append(f"{first}..{last}")
        else:
            pieces.extend(str(v) for v in range(first, last + 1))
    if len(pieces) > MAX_LISTED:
        pieces[MAX_LISTED - 2 : -1] = ["..."]
    return ", ".join(pieces)


def _digits(value: Fraction) -> str:
    """How many digits a huge count has (str() refuses past 4,300 of them).

    >>> _digits(Fraction(10**400 - 1)), _digits(Fraction(10**400))
    ('400', '401')
    """
    whole = int(value)
    estimate = int(whole.bit_length() * math.log10(2))  # the right count, or one short
    return f"{estimate + (whole >= 10**estimate):,}"


def label(net: Summary, formula: bool = True) -> str:
    """The legend entry: the cell's name and, with `formula`, its count (matplotlib
    mathtext), then how it is stacked."""
    text = legend_name(net)
    if formula:
        count = tex.math(net.factored)
        if net.used_sizes:  # the derived sizes it is written in, as every format gives them
            count += ", " + tex.definitions(net.used_sizes)
        # A formula wider than the plot helps nobody (and takes mathtext seconds).
        if len(count) <= MAX_FORMULA:
            text = f"{text}: ${count}$"
    return f"{text} ({net.note})" if net.note else text


def legend_name(net: Summary) -> str:
    """The cell in the legend: its display name as mathtext where matplotlib can set
    it, else as text (docs/latex.md, "Display names"); without one, its identifier."""
    display = net.definition.display
    if display is not None:
        from matplotlib.mathtext import MathTextParser

        try:
            MathTextParser("path").parse(f"${display}$")
            return f"${display}$"
        except ValueError:  # a command mathtext does not have
            pass
    return tex.cell_text(net.definition).replace("$", r"\$")  # a lone `$` would start mathtext


def figure(reports: list[Report], symbol: str, start: int, stop: int, **settings: object):
    """A matplotlib Figure with one line per report, the count against `symbol`.

    Every size symbol of each cell other than `symbol` must be set in its report.
    The settings are the plot's (`PLOT` in render/settings.py): `log` for
    logarithmic axes, `size` in inches, `dpi` of a PNG, a `title`.

    >>> import symcount
    >>> fig = figure([Report(symcount.builtin("lstm").summary, {"m": 10})], "n", 1, 100)
    >>> [line] = fig.axes[0].get_lines()
    >>> print(line.get_label())
    lstm: $4 n \\left(m + n + 1\\right)$
    >>> int(line.get_ydata()[-1]) == symcount.builtin("lstm").evaluate(m=10, n=100)
    True
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    chosen = PLOT.merged(settings)
    log = chosen["log"]
    if not 1 <= start < stop <= MAX_SIZE:
        raise PlotError(f"sizes on the x axis must lie in 1..2**53, got {start}..{stop}")
    _check_pixels(chosen["size"], chosen["dpi"])
    x = sizes(start, stop, log)
    curves = [curve(report, symbol, x, log) for report in reports]
    for report, line in zip(reports, curves, strict=True):
        if not line.x:
            raise _nothing_to_draw(report, symbol, line, start, stop)
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=chosen["size"], dpi=chosen["dpi"], layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for i, (report, line) in enumerate(zip(reports, curves, strict=True)):
            ax.plot(line.x, line.y, label=label(report.summary), **_look(i, len(reports), line))
        _axes(ax, symbol, start, stop, log, max(max(line.y) for line in curves))
        ax.set_xlabel(_x_label(reports, symbol))
        if chosen["title"]:
            ax.set_title(_checked_title(chosen["title"]))
        names = [label(report.summary, formula=False) for report in reports]
        _legend(fig, ax, names, _not_drawn(fig, reports, curves, symbol))
    _warn_skipped(reports, curves, symbol)
    return fig


# The look of a figure for a paper: type sizes for a figure one column wide,
# read beside 9-10 pt text; nothing partly transparent (PostScript cannot draw
# it); TrueType (Type 42) fonts in PDF and PostScript, which camera-ready
# checks take and Type 3 fonts they refuse. Set for the figure's making and
# saving only (matplotlib.rc_context), never for the caller's process.
STYLE = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.0,
    "lines.markersize": 3.5,
    "grid.color": "0.88",
    "grid.linewidth": 0.5,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.hashsalt": "symcount",
}
# Each cell its own line style and marker, cycled together, so that lines that
# coincide (gru and cifg have one count) and lines printed in grey stay apart.
LINE_STYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "v", "D", "x", "+", "*", "<", ">"]
MARKS_PER_LINE = 8  # markers along a line, at even distances on the page
CHARACTER = 0.52  # the width of an average character of text, in ems (DejaVu Sans)
MAX_LEGEND = 0.3  # of the figure's height, for a legend with formulas
MAX_PIXELS = 10_000  # each way: a figure is drawn on a canvas this size even for a PDF


def _look(i: int, cells: int, line: Curve) -> dict[str, object]:
    """The i-th line's colour, style and markers. Markers sit at even steps along
    the line, each cell's a fraction of a step further than the one before, so
    that markers of coinciding lines do not cover each other; a line with sizes
    skipped is marked at every size drawn, which shows where they are."""
    if line.skipped or len(line.x) == 1:
        marks: dict[str, object] = {"markersize": 2.5}
    else:
        step = 1 / MARKS_PER_LINE
        marks = {"markevery": (step * (i + 0.5) / cells, step)}
    return {
        "color": f"C{i % 10}",
        "linestyle": LINE_STYLES[i % len(LINE_STYLES)],
        "marker": MARKERS[i % len(MARKERS)],
        **marks,
    }


def _axes(ax, symbol: str, start: int, stop: int, log: bool, top: float) -> None:
    """Labels, scales and ticks: whole numbers on both axes (sizes and counts are)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_ylabel("trainable parameters")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        for axis in (ax.xaxis, ax.yaxis):  # whole numbers, in steps of 1, 2 or 5
            axis.set_major_locator(MaxNLocator("auto", steps=[1, 2, 5, 10], integer=True))
        ax.set_ylim(bottom=0)
        if top < _LONG:  # past _LONG, matplotlib's 1e20
            ax.yaxis.set_major_formatter(FuncFormatter(_in_units(top)))
    ax.set_xlim(start, stop)
    ax.grid(True, which="major")
    ax.set_axisbelow(True)


UNITS = [(10**12, "T"), (10**9, "B"), (10**6, "M"), (10**4, "k")]  # as papers count parameters


def _in_units(top: float):
    """Tick labels for counts up to `top`, in the unit papers would give them in:
    1.2M, 350k; below 10,000 the number itself.

    >>> [_in_units(1_300_000)(v, 0) for v in (0, 250_000, 1_000_000)]
    ['0', '0.25M', '1M']
    >>> _in_units(5000)(2500, 0)
    '2,500'
    """
    unit, suffix = next(((u, s) for u, s in UNITS if top >= u), (1, ""))

    def label(value: float, _position: int) -> str:
        if not suffix:
            return f"{value:,.0f}"
        return f"{value / unit:.6g}{suffix}" if value else "0"

    return label


def _legend(fig, ax, names: list[str], note: str) -> None:
    """The legend below the axes, in as many columns as the figure's width holds,
    each cell named with its formula where that legend takes at most MAX_LEGEND
    of the height, else by name alone (ten formulas would squeeze the axes
    away; `symcount latex` gives them). The note on sizes not drawn heads it: a
    text below a legend at the bottom would overlap it, as constrained layout
    gives both the one bottom margin."""
    handles, labels = ax.get_legend_handles_labels()
    renderer = fig.canvas.get_renderer()
    width, height = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    for entries in (labels, names):
        for columns in range(len(handles), 0, -1):
            legend = fig.legend(
                handles, entries, loc="outside lower center", ncols=columns, title=note or None,
                alignment="left", frameon=False, columnspacing=1.2, handlelength=2.6,
            )  # fmt: skip
            box = legend.get_window_extent(renderer)
            if box.width <= width or columns == 1:
                break
            legend.remove()
        if box.height <= MAX_LEGEND * height or entries is names:
            return
        legend.remove()


def _check_pixels(size: tuple[float, float], dpi: int) -> None:
    """A PlotError for a figure too large to draw (matplotlib's Agg canvas stops
    at 2**16 pixels each way, and needs memory long before)."""
    if max(size) * dpi > MAX_PIXELS:
        raise PlotError(
            f"a figure of {size[0]:g} x {size[1]:g} in at {dpi} dpi is "
            f"{round(size[0] * dpi):,} x {round(size[1] * dpi):,} pixels; "
            f"the most is {MAX_PIXELS:,} each way"
        )


def _checked_title(text: str) -> str:
    """The title, its `$...$` read now as mathtext, so that a mistake in it is an
    error of the setting and not a failure to save the file."""
    from matplotlib import cbook
    from matplotlib.mathtext import MathTextParser

    if cbook.is_math_text(text):
        try:
            MathTextParser("path").parse(text)
        except ValueError as e:
            first = (str(e).strip() or "cannot be read").splitlines()[0]
            raise PlotError(
                f"title {text!r}: its $...$ is not mathtext matplotlib reads: {first}"
            ) from None
    return text


def _not_drawn(fig, reports: list[Report], curves: list[Curve], symbol: str) -> str:
    """The sizes each cell is not drawn at, and why, as the figure says it: one
    note per cell and derived size, wrapped to the figure's width."""
    per_line = int(fig.get_figwidth() * 72 / (CHARACTER * STYLE["legend.fontsize"]))
    notes = [
        f"{legend_name(report.summary)}: not drawn where {_reason(report, symbol, size, at)}"
        for report, line in zip(reports, curves, strict=True)
        for size, at in line.skipped.items()
    ]
    return "\n".join(textwrap.fill(note, per_line) for note in notes)


def _warn_skipped(reports: list[Report], curves: list[Curve], symbol: str) -> None:
    """A SkippedSizes warning for each note on the figure, at figure()'s caller."""
    for report, line in zip(reports, curves, strict=True):
        for note in _skip_notes(report, symbol, line):
            warnings.warn(SkippedSizes(note), stacklevel=3)


def _x_label(reports: list[Report], symbol: str) -> str:
    """The size on the x axis and, after it, the sizes held fixed (a caption's job
    once the figure is in a paper, but a figure on its own must say them):
    'size $n$ ($m = 256$, $p = 64$)'."""
    fixed: dict[str, int] = {}
    for report in reports:
        fixed.update((k, v) for k, v in report.sizes.items() if k != symbol)
    shown = [f"${sympy.latex(size_symbol(k))} = {_number(v)}$" for k, v in fixed.items()]
    if len(shown) > MAX_FIXED_SIZES:  # a label wider than the figure squeezes the axes away
        more = len(shown) - MAX_FIXED_SIZES + 1
        shown[MAX_FIXED_SIZES - 1 :] = [f"{more} more"]
    varied = f"size ${tex.size_name(symbol)}$"
    return f"{varied} ({', '.join(shown)})" if shown else varied


def _number(value: int) -> str:
    """A size held fixed, in mathtext: 1{,}024 (a comma with no space after it),
    or 1.2346 \\times 10^{20} past 15 digits."""
    if value < _LONG:
        return f"{value:,}".replace(",", "{,}")
    exponent = math.floor(math.log10(value))
    mantissa = Fraction(value, 10**exponent)  # exact, so no rounding to 10.0
    return f"{float(mantissa):.5g} \\times 10^{{{exponent}}}"


def save(fig, out: BinaryIO, fmt: str) -> None:
    """Write the figure as `fmt` with no date or version in it: the same input
    gives the same file."""
    import matplotlib

    metadata = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
        "eps": {"Creator": "symcount"},
        "ps": {"Creator": "symcount"},
    }[fmt]
    # PostScript on a page the figure's size (not on US letter paper)
    extra = {"papertype": "figure"} if fmt in ("ps", "eps") else {}
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format=fmt, dpi="figure", metadata=metadata, **extra)
    data = buffer.getvalue()
    if fmt in ("ps", "eps"):  # matplotlib dates PostScript with the clock
        data = re.sub(rb"^%%CreationDate: [^\n]*\n", b"", data, count=1, flags=re.M)
    out.write(data)
