"""Plots for `symcount plot`: parameter count against one size, one line per cell.

Not one of the text formats of the registry (`render()`): a plot is an image
written to a file. matplotlib and numpy are an optional extra
(`pip install 'symcount[plot]'`) and are imported only when a plot is drawn,
through the Agg canvas, so no window system is ever involved. Counts are
evaluated with `sympy.lambdify` over numpy arrays; the expressions come from
the parse tree, never from evaluating user text.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import sympy

from ..network import Network
from ..symbols import size_symbol
from . import Report

INSTALL_HINT = "pip install 'symcount[plot]'"
FILE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MAX_POINTS = 1024  # every integer size up to this many; evenly spread samples beyond


def file_format(path: str) -> str | None:
    """'png', 'svg' or 'pdf' from the file name's extension; None for anything else."""
    return FILE_FORMATS.get(os.path.splitext(path)[1].lower())


def require() -> None:
    """Raise ImportError when the `plot` extra is not installed."""
    import matplotlib  # noqa: F401
    import numpy  # noqa: F401


def sizes(start: int, stop: int, log: bool = False):
    """The integer sizes to evaluate: all of them, or MAX_POINTS spread evenly
    (evenly on a log scale with `log`)."""
    import numpy as np

    if stop - start < MAX_POINTS:
        return np.arange(start, stop + 1, dtype=float)
    spread = np.geomspace if log else np.linspace
    return np.unique(np.round(spread(start, stop, MAX_POINTS)))


def curve(report: Report, symbol: str, x):
    """The cell's count at every size in `x` for `symbol`, the other sizes as set.

    Floats, not integers: numpy's int64 would overflow silently on large sizes,
    while a float is exact up to 2**53 and only rounds beyond it.
    """
    import numpy as np

    fixed = {size_symbol(k): v for k, v in report.sizes.items() if k != symbol}
    evaluate = sympy.lambdify(size_symbol(symbol), report.network.count.subs(fixed), "numpy")
    # A count that does not depend on `symbol` comes back as one number.
    return np.broadcast_to(np.asarray(evaluate(x), dtype=float), x.shape)


def label(net: Network) -> str:
    """The legend entry: the cell's name and its formula (matplotlib mathtext)."""
    text = f"{net.name}: ${sympy.latex(net.factored)}$"
    return f"{text} ({net.note})" if net.note else text


def figure(reports: list[Report], symbol: str, start: int, stop: int, log: bool = False):
    """A matplotlib Figure with one line per report, the count against `symbol`.

    Every size symbol of each cell other than `symbol` must be set in its report.

    >>> import symcount
    >>> fig = figure([Report(symcount.builtin("lstm"), {"m": 10})], "n", 1, 100)
    >>> [line] = fig.axes[0].get_lines()
    >>> print(line.get_label())
    lstm: $4 n \\left(m + n + 1\\right)$
    >>> int(line.get_ydata()[-1]) == symcount.builtin("lstm").evaluate(m=10, n=100)
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import StrMethodFormatter

    x = sizes(start, stop, log)
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for report in reports:
        ax.plot(x, curve(report, symbol, x), label=label(report.network), linewidth=1.8)
    variable = f"${sympy.latex(size_symbol(symbol))}$"
    ax.set_xlabel(f"size {variable}")
    ax.set_ylabel("trainable parameters")
    ax.set_title(_title(reports, symbol, variable))
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlim(start, stop)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def _title(reports: list[Report], symbol: str, variable: str) -> str:
    fixed: dict[str, int] = {}
    for report in reports:
        fixed.update((k, v) for k, v in report.sizes.items() if k != symbol)
    at = ", ".join(f"${sympy.latex(size_symbol(k))} = {v:,}$" for k, v in fixed.items())
    return f"Trainable parameters against {variable}" + (f" at {at}" if at else "")


def save(fig, out: BinaryIO, fmt: str) -> None:
    """Write the figure as `fmt` with no date or version in it: the same input
    gives the same file."""
    import matplotlib

    metadata = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    }[fmt]
    with matplotlib.rc_context({"svg.hashsalt": "symcount"}):
        fig.savefig(out, format=fmt, dpi=150, metadata=metadata)
