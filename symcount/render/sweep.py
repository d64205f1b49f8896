"""Sweeps: every cell at every combination of several sizes, as one table.

`--set n=128,256,512` (a list) or `--set n=64:512:64` (a range, STOP
included) on `count`, `cost` and `latex` gives a size several values; with
several such flags, the sweep is every combination of them, the first
symbol varying slowest, as nested loops in the order given (docs/cli.md,
"Sweeps"). Each cell's `Report` holds the fixed sizes and the swept values
(`Report.swept`); here it is evaluated at each point (`Report.sweep`), once,
for the command that checks the sizes and for the format that lays out the
table. The values come from `counting.evaluation` as everywhere, each count
and figure an exact polynomial (never sympy substituted in a loop).

At a point where one of a cell's derived sizes is no positive whole number
(`size d = n / H` where H does not divide n), the cell has no values: it is
skipped there, with a warning (`skipped_notes`), as `plot` skips a size; a
cell skipped at every point is an input error (`nothing_left`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from .. import ir
from ..counting.summary import Summary
from ..errors import Location, SymcountError, SymcountWarning
from ..shapes.sizes import SizeValueError
from . import Report

MAX_LISTED = 6  # points a note on skipped sizes names; the rest are "..."
# The figures of a count sweep: the trainable count, and what some cells add.
COUNT_FIGURES = ("parameters", "frozen", "total", "numel")


def points(swept: Mapping[str, Sequence[int]]) -> list[dict[str, int]]:
    """Every combination of the swept values, the first symbol varying slowest.

    >>> points({"m": (1, 2), "n": range(10, 31, 10)})
    [{'m': 1, 'n': 10}, {'m': 1, 'n': 20}, {'m': 1, 'n': 30}, {'m': 2, 'n': 10}, {'m': 2, 'n': 20}, {'m': 2, 'n': 30}]
    """
    names = list(swept)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*swept.values())]


def size(swept: Mapping[str, Sequence[int]]) -> int:
    """How many points a sweep has (without making them)."""
    return math.prod(len(values) for values in swept.values())


def sizes_at(report: Report, point: Mapping[str, int]) -> dict[str, int]:
    """The sizes the cell is at, at one point of its sweep: those set that it has,
    in its order."""
    given = {**report.sizes, **point}
    names = [*(d.name for d in report.summary.dims), *report.summary.extents]
    return {name: given[name] for name in names if name in given}


def evaluated(report: Report) -> list[Report | SizeValueError]:
    """The cell at each point of its sweep, or why it has no values there."""
    out: list[Report | SizeValueError] = []
    for point in points(report.swept):
        there = Report(report.summary, sizes_at(report, point))
        try:
            there.values  # noqa: B018 (works out the derived sizes: a SizeValueError if one is none)
        except SizeValueError as e:
            out.append(e)
            continue
        out.append(there)
    return out


def count_figures(reports: Sequence[Report]) -> tuple[str, ...]:
    """The figures a count sweep gives each cell: `parameters` (trainable); `frozen`
    and `total` when some cell has frozen parameters; `numel` when some has complex
    or quaternion ones."""
    frozen = any(r.summary.has_frozen for r in reports)
    nonreal = any(r.summary.has_nonreal for r in reports)
    wanted = {"parameters": True, "frozen": frozen, "total": frozen, "numel": nonreal}
    return tuple(figure for figure in COUNT_FIGURES if wanted[figure])


def count_values(there: Report | SizeValueError, figures: Sequence[str] = COUNT_FIGURES) -> dict[str, int | None]:
    """A cell's counts at one point (`figures`, of `COUNT_FIGURES`); None where it has none."""
    if isinstance(there, SizeValueError):
        return dict.fromkeys(figures)
    value = {
        "parameters": lambda: there.value,
        "frozen": lambda: there.frozen_value,
        "total": lambda: there.total_value,
        "numel": lambda: there.numel_value,
    }
    return {figure: value[figure]() for figure in figures}


def cost_values(there: Report | SizeValueError) -> dict[str, int] | None:
    """A cell's cost figures at one point (`costing.FIGURES`); None where it has none."""
    return None if isinstance(there, SizeValueError) else there.cost_values


def skipped_notes(report: Report) -> list[SymcountWarning]:
    """A warning for each derived size that left the cell out at some points,
    located at its definition: "cell 'mh' is left out of the sweep at 6 of its 8
    sizes: size d = n / H is not a positive whole number at n=9, 10, 11, 13, 14,
    15 with H=4"."""
    net, at = report.summary, report.sweep
    return [
        SymcountWarning(
            f"{net.definition.kind} '{net.name}' is left out of the sweep at {len(where)} of its {len(at)} sizes: "
            + _reason(report, key, where),
            _definition(report, key),
        )
        for key, where in _skipped(report).items()
    ]


def nothing_left(report: Report) -> SymcountError | None:
    """The input error for a cell that the sweep skips at every point, else None."""
    skipped = _skipped(report)
    if sum(map(len, skipped.values())) < len(report.sweep):
        return None
    reasons = "; ".join(_reason(report, key, where) for key, where in skipped.items())
    message = f"{report.summary.definition.kind} '{report.summary.name}' is left out at every size of the sweep: {reasons}"
    return SymcountError(message, _definition(report, next(iter(skipped))))


def _skipped(report: Report) -> dict[str, list[dict[str, int]]]:
    """The points the cell is skipped at, by the derived size that is no size there."""
    skipped: dict[str, list[dict[str, int]]] = {}
    for point, there in zip(points(report.swept), report.sweep, strict=True):
        if isinstance(there, SizeValueError):
            skipped.setdefault(there.size, []).append(point)
    return skipped


def _reason(report: Report, key: str, where: list[dict[str, int]]) -> str:
    """'size d = n / H is not a positive whole number at n=9, 10, 11 with H=4';
    several swept sizes as '(H, n) = (2, 9), (4, 10)'."""
    described = report.summary.derived.described(key)
    names = list(where[0])
    shown = [", ".join(map(str, point.values())) for point in where]
    if len(names) > 1:
        shown = [f"({text})" for text in shown]
    if len(shown) > MAX_LISTED:
        shown[MAX_LISTED - 1 :] = ["...", shown[-1]]
    swept = names[0] + "=" if len(names) == 1 else f"({', '.join(names)}) = "
    text = f"{described.what} {described.wrong} at {swept}{', '.join(shown)}"
    fixed = ", ".join(f"{k}={v}" for k, v in report.sizes.items() if k in described.reads)
    return f"{text} with {fixed}" if fixed else text


def _definition(report: Report, key: str):
    """Where the size is defined: the caret of a note about it goes under it."""
    net = report.summary
    return located(net, net.derived.described(key).span)


def located(net: Summary, span: ir.Span) -> Location:
    """Where `span` of the cell or model is. A model's sizes may be defined in the cells
    its layers are, of other files (a built-in's): a span outside the model is then
    located at its file alone, with no line that could be another file's."""
    written = net.definition
    if net.is_model and not written.span.line <= span.line <= written.span.end_line:
        return Location(written.source.filename)
    return written.source.location(span)
