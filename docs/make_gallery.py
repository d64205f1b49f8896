"""The galleries, made by symcount itself: the one of docs/latex.md
("Gallery"; its images also in the README), and the documentation site's,
a page for every built-in cell.

    python docs/make_gallery.py           # regenerate docs/latex.md's gallery
    python docs/make_gallery.py --check   # only check that docs/latex.md is up to date

It writes
  - into docs/latex.md (between the gallery markers) the LaTeX that
    `symcount latex lstm --equations --params` prints;
  - docs/gallery/lstm.png: `symcount latex lstm --standalone --equations --params`
    compiled by pdflatex and rendered by pdftoppm (cropped to the text);
  - docs/gallery/plot.png: `symcount plot` of five built-ins.

Needs pdflatex with booktabs and pdftoppm (Debian: texlive-latex-base,
texlive-latex-recommended, poppler-utils) and
the plot extra. tests/test_gallery.py checks the LaTeX block.

The site's gallery is never written to docs/: `site_pages()` makes its pages
each time the site is built (docs/site_hooks.py), so they are always the
tool's current output.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the symcount of this checkout, installed or not

from symcount import cli, sources  # noqa: E402
from symcount.api import Cell, builtin  # noqa: E402
from symcount.render import Report  # noqa: E402
from symcount.render.markdown import MarkdownWriter, escape  # noqa: E402

sys.path.insert(0, str(ROOT / "docs"))
import pages  # noqa: E402

GALLERY = ROOT / "docs" / "gallery"
PAGE = "latex.md"  # the page that holds the LaTeX block
START, END = "<!-- gallery-latex:start -->", "<!-- gallery-latex:end -->"
LATEX_ARGS = ["latex", "lstm", "--equations", "--params"]
PLOT_ARGS = ["plot", "lstm", "gru", "mgu", "rnn", "indrnn", "--vary", "n=1:1024", "--set", "m=256"]


def symcount(*argv: str) -> str:
    """What `symcount ARGV` prints (run in this process, on this checkout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(list(argv))
    if code != 0:
        raise SystemExit(f"symcount {' '.join(argv)} failed with exit status {code}")
    return out.getvalue()


def gallery_block() -> str:
    """The gallery's LaTeX block as it should be."""
    return f"```latex\n{symcount(*LATEX_ARGS)}```"


def current() -> str:
    return pages.block(PAGE, START, END)


def write_block() -> None:
    pages.replace_block(PAGE, START, END, gallery_block())


def document_png(target: Path) -> None:
    """The standalone LSTM document through pdflatex and pdftoppm, cropped to its text."""
    from PIL import Image  # comes with matplotlib

    for tool in ("pdflatex", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing: apt-get install texlive-latex-base texlive-latex-recommended poppler-utils"
            )
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        tex = symcount(*LATEX_ARGS, "--standalone")
        (folder / "lstm.tex").write_text(tex, encoding="utf-8")
        for _ in range(2):  # twice, as for any document with numbered references
            subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "lstm.tex"],
                cwd=folder,
                check=True,
                capture_output=True,
            )
        subprocess.run(
            ["pdftoppm", "-png", "-r", "120", "-singlefile", "lstm.pdf", "page"],
            cwd=folder,
            check=True,
        )
        page = Image.open(folder / "page.png").convert("L")
        page.crop(_text_box(page, margin=24)).save(target, optimize=True)


def _text_box(page, margin: int) -> tuple[int, int, int, int]:
    """The box around the page's text, without the page number at its foot."""
    import numpy as np
    from PIL import ImageOps

    ink = np.asarray(ImageOps.invert(page)) > 0
    rows = np.flatnonzero(ink.any(axis=1))
    # The page number is the last line, far below the rest.
    gaps = np.flatnonzero(np.diff(rows) > page.height // 10)
    bottom = rows[gaps[-1]] if len(gaps) else rows[-1]
    columns = np.flatnonzero(ink[: bottom + 1].any(axis=0))
    return (
        int(columns[0]) - margin,
        int(rows[0]) - margin,
        int(columns[-1]) + margin,
        int(bottom) + margin,
    )


# ---- the site's gallery: a page per built-in cell ----

# A math environment as `symcount latex` writes it (top level: `equation`, `align`, ...).
ENVIRONMENT = re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)


def site_pages() -> dict[str, str]:
    """The site's gallery by path under docs/: an index and a page per built-in."""
    cells = {name: builtin(name) for name in sources.builtin_names()}
    found = {f"gallery/{name}.md": builtin_page(name, cell) for name, cell in cells.items()}
    return {"gallery/index.md": gallery_index(cells), **found}


def gallery_index(cells: dict[str, Cell]) -> str:
    writer = MarkdownWriter()
    rows = []
    for name, cell in cells.items():
        link = f"[`{writer.signature(cell.summary)}`]({name}.md)"
        rows.append([link, writer.math(cell.factored), escape(cell.description)])
    table = writer.table(["cell", "parameters", "what"], rows)
    return (
        "# Gallery\n\n"
        "Every built-in cell and model as symcount derives it: its equations in the notation of\n"
        "papers, its count, expanded and factored, its parameters and its source file.\n"
        "These pages are made by symcount each time the site is built.\n\n"
        f"{table}\n"
    )


def builtin_page(name: str, cell: Cell) -> str:
    """One built-in: what `symcount latex`, `count --format markdown` and `show` print."""
    writer = MarkdownWriter()
    count = environments(cell.latex(form="expanded", only="count"))
    if cell.factored != cell.count:
        count += environments(cell.latex(form="factored", only="count"))
    equations = environments(cell.latex(equations=True, only="equations"))
    kind = sources.builtin_kind(name)
    components = ["## Components", writer.components_table(Report(cell.summary))] if kind == "model" else []
    parts = [
        f"# `{writer.signature(cell.summary)}`",
        escape(cell.description),
        f"`symcount show {name}` prints this {kind}, `symcount.builtin(\"{name}\")` loads it.",
        "## Count",
        *count,
        f"In sympy's syntax, as `symcount count {name}` prints it: `{cell.count}`, factored `{cell.factored}`.",
        *components,
        "## Equations",
        *equations,
        "## Parameters",
        writer.params_table(Report(cell.summary)),
        "## Source",
        f"```symcount\n{sources.builtin_text(name).rstrip()}\n```",
    ]
    return "\n\n".join(parts) + "\n"


def environments(latex: str) -> list[str]:
    """The math environments of `symcount latex` output, without its comments."""
    lines = [line for line in latex.splitlines() if not line.lstrip().startswith("%")]
    return [match.group(0) for match in ENVIRONMENT.finditer("\n".join(lines))]


def main() -> None:
    if "--check" in sys.argv[1:]:
        if current() != gallery_block():
            raise SystemExit("docs/latex.md's gallery is out of date: run python docs/make_gallery.py")
        return
    GALLERY.mkdir(exist_ok=True)
    write_block()
    document_png(GALLERY / "lstm.png")
    code = cli.main([*PLOT_ARGS, "-o", str(GALLERY / "plot.png")])
    if code != 0:
        raise SystemExit(f"symcount plot failed with exit status {code}")
    print(f"wrote docs/{PAGE}, {GALLERY / 'lstm.png'}, {GALLERY / 'plot.png'}")


if __name__ == "__main__":
    main()
