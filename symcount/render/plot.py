"""Plots for `symcount plot`: parameter count against one size, one line per cell.

Not one of the text formats of the registry (`render()`): a plot is an image
written to a file. matplotlib and numpy are an optional extra
(`pip install 'symcount[plot]'`) and are imported only when a plot is drawn,
through the Agg canvas, so no window system is ever involved. Counts are
evaluated exactly, in integers, from the polynomial the parse tree gives
(never by evaluating user text), and only then rounded to floats to be drawn.
"""

from __future__ import annotations

import logging
import math
import os
from fractions import Fraction
from typing import BinaryIO

import sympy

from ..counting.summary import Summary
from ..symbols import size_symbol
from . import Report, tex

INSTALL_HINT = "pip install 'symcount[plot]'"
FILE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
MAX_POINTS = 1024  # every integer size up to this many; evenly spread samples beyond
# The x axis is drawn in floats: beyond 2**53 neighbouring sizes fall on one point.
MAX_SIZE = 2**53
MAX_FORMULA = 120  # characters of LaTeX in a legend entry
MAX_TITLE_SIZES = 4  # fixed sizes named in the title
_LONG = 10**15  # numbers this long are written with an exponent


class PlotError(ValueError):
    """Sizes that cannot be drawn (a count past the largest float)."""


def file_format(path: str) -> str | None:
    """'png', 'svg' or 'pdf' from the file name's extension; None for anything else."""
    return FILE_FORMATS.get(os.path.splitext(path)[1].lower())


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


def curve(report: Report, symbol: str, x: list[int], log: bool = False) -> list[float]:
    """The cell's count at every size in `x` for `symbol`, the other sizes as set.

    Counted exactly in integers, then rounded to floats for drawing (a float
    is exact up to 2**53). A count too large for a float is a PlotError, and
    so is a count of 0 for a `log` plot.
    """
    fixed = {size_symbol(k): v for k, v in report.sizes.items() if k != symbol}
    explicit = report.summary.explicit_count.subs(fixed)
    if explicit.is_polynomial(size_symbol(symbol)):
        count = _exact(explicit, size_symbol(symbol))
    else:  # a derived size (`R = ceil(D / 16)`) in it: counted from the sizes at each point
        count = _evaluated(report, symbol)
    points = []
    for size in x:
        value = count(size)
        if log and value <= 0:
            raise PlotError(
                f"the count of cell '{report.summary.name}' is {value} at {symbol}={size}, "
                "which logarithmic axes cannot show"
            )
        try:
            points.append(float(value))
        except OverflowError:
            raise PlotError(
                f"the count of cell '{report.summary.name}' has {_digits(value)} digits at these "
                "sizes, too many to plot: a plot draws counts up to 1.8e308"
            ) from None
    return points


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
    """A function of one whole number giving the count, its derived sizes computed anew."""

    def value(size: int) -> int:
        try:
            return Report(report.summary, {**report.sizes, symbol: size}).value
        except ValueError as e:  # `size d = e / H` at an e that H does not divide
            raise PlotError(f"cell '{report.summary.name}' at {symbol}={size}: {e}") from None

    return value


def _digits(value: Fraction) -> str:
    """How many digits a huge count has (str() refuses past 4,300 of them).

    >>> _digits(Fraction(10**400 - 1)), _digits(Fraction(10**400))
    ('400', '401')
    """
    whole = int(value)
    estimate = int(whole.bit_length() * math.log10(2))  # the right count, or one short
    return f"{estimate + (whole >= 10**estimate):,}"


def label(net: Summary) -> str:
    """The legend entry: the cell's name and its formula (matplotlib mathtext)."""
    formula = tex.math(net.factored)
    if net.used_sizes:  # the derived sizes it is written in, as every format gives them
        formula += ", " + tex.definitions(net.used_sizes)
    # A formula wider than the plot helps nobody (and takes mathtext seconds).
    text = f"{net.name}: ${formula}$" if len(formula) <= MAX_FORMULA else net.name
    return f"{text} ({net.note})" if net.note else text


def figure(reports: list[Report], symbol: str, start: int, stop: int, log: bool = False):
    """A matplotlib Figure with one line per report, the count against `symbol`.

    Every size symbol of each cell other than `symbol` must be set in its report.

    >>> import symcount
    >>> fig = figure([Report(symcount.builtin("lstm").summary, {"m": 10})], "n", 1, 100)
    >>> [line] = fig.axes[0].get_lines()
    >>> print(line.get_label())
    lstm: $4 n \\left(m + n + 1\\right)$
    >>> int(line.get_ydata()[-1]) == symcount.builtin("lstm").evaluate(m=10, n=100)
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import StrMethodFormatter

    if not 1 <= start < stop <= MAX_SIZE:
        raise PlotError(f"sizes on the x axis must lie in 1..2**53, got {start}..{stop}")
    x = sizes(start, stop, log)
    curves = [curve(report, symbol, x, log) for report in reports]
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for report, y in zip(reports, curves, strict=True):
        ax.plot(x, y, label=label(report.summary), linewidth=1.8)
    variable = f"${tex.size_name(symbol)}$"
    ax.set_xlabel(f"size {variable}")
    ax.set_ylabel("trainable parameters")
    ax.set_title(_title(reports, symbol, variable))
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
        if max(max(y) for y in curves) < _LONG:  # whole numbers; past that, matplotlib's 1e20
            ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_xlim(start, stop)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def _title(reports: list[Report], symbol: str, variable: str) -> str:
    fixed: dict[str, int] = {}
    for report in reports:
        fixed.update((k, v) for k, v in report.sizes.items() if k != symbol)
    shown = [f"${sympy.latex(size_symbol(k))} = {_number(v)}$" for k, v in fixed.items()]
    if len(shown) > MAX_TITLE_SIZES:  # a title wider than the figure squeezes the axes away
        more = len(shown) - MAX_TITLE_SIZES + 1
        shown[MAX_TITLE_SIZES - 1 :] = [f"{more} more"]
    at = ", ".join(shown)
    return f"Trainable parameters against {variable}" + (f" at {at}" if at else "")


def _number(value: int) -> str:
    """A size for the title: 1,024, or 1.2346 \\times 10^{20} past 15 digits."""
    if value < _LONG:
        return f"{value:,}"
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
    }[fmt]
    with matplotlib.rc_context({"svg.hashsalt": "symcount"}):
        fig.savefig(out, format=fmt, dpi=150, metadata=metadata)
