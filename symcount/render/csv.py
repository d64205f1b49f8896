"""CSV for spreadsheets and data frames: a header row, then one row per cell and figure.

Each row names its cell and network, how the cost is priced, the figure it
holds and what of (the total, a gate, a kind of operation), the formula as a
string in sympy's syntax and, when every size is set, the value as a plain
integer (no thousands separators; empty without values). The rows are
records, a dict of `COLUMNS` each: so far of costs (`symcount cost --format
csv`); counts would be records of their own beside them. `symcount solve`
writes a row per cell: what was asked, its sizes, what it found.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from . import Report
from .settings import Settings

SETTINGS = Settings("csv")  # none: one layout

COLUMNS = ("cell", "network", "convention", "dtype", "seq", "batch", "of", "name", "figure", "formula", "value")


def render(reports: list[Report], **settings: object) -> str:
    SETTINGS.merged(settings)  # refuses any setting
    if reports and reports[0].solved is not None:  # `symcount solve`
        return _written(solution_columns(reports), map(solution_record, reports))
    return _written(COLUMNS, (record for report in reports for record in cost_records(report)))


def _written(columns: Sequence[str], records: Iterable[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


# What `symcount solve` asked and found, around a column per size of any cell.
SOLVE_ASKED = ("cell", "network", "metric", "convention", "dtype", "budget", "for", "multiple_of")
SOLVE_FOUND = ("count", "next", "next_count", "message")


def solution_columns(reports: list[Report]) -> list[str]:
    sizes = (_sizes(r) for r in reports)
    return [*SOLVE_ASKED, *dict.fromkeys(name for each in sizes for name in each), *SOLVE_FOUND]


def _sizes(report: Report) -> dict[str, int | str]:
    """A cell's sizes by column (the one solved for empty where no value is within
    the budget); a size named as another column ("count") is "count (size)"."""
    taken = {*SOLVE_ASKED, *SOLVE_FOUND}
    return {
        (f"{name} (size)" if name in taken else name): "" if value is None else value
        for name, value in report.solution_sizes.items()
    }


def solution_record(report: Report) -> dict[str, object]:
    """A cell's row: its sizes at the answer (the solved one empty where no value is
    within the budget), the metric there, the next value and its metric."""
    found = report.solved
    after = found.next
    blank = lambda value: "" if value is None else value  # noqa: E731
    return {
        "cell": report.summary.name,
        "network": report.summary.note,
        "metric": found.metric,
        "convention": blank(found.convention),
        "dtype": blank(found.dtype),
        "budget": found.budget,
        "for": found.for_,
        "multiple_of": found.multiple_of,
        **_sizes(report),
        "count": blank(found.value),
        "next": "" if after is None else after.sizes[found.for_],
        "next_count": "" if after is None else after.value,
        "message": found.message,
    }


def cost_records(report: Report) -> list[dict[str, object]]:
    """A row per figure of the cost (`of` "total"), then per gate and per kind of
    operation its MACs and FLOPs (`of` "gate" or "operation", `name` which)."""
    net, cost = report.summary, report.summary.cost
    if cost is None:
        raise ValueError("the csv format writes costs: give it reports whose summary has one")
    cell = {
        "cell": net.name,
        "network": net.note,
        "convention": cost.convention,
        "dtype": cost.dtype,
        "seq": cost.seq,
        "batch": cost.batch,
    }
    values = report.cost_values or {}
    rows = [("total", "", figure, formula, values.get(figure)) for figure, formula in cost.figures.items()]
    for of, breakdown in (("gate", cost.per_gate), ("operation", cost.per_op)):
        at = report.cost_rows(breakdown)
        for index, row in enumerate(breakdown):
            for position, (figure, formula) in enumerate((("macs", row.macs), ("flops", row.flops)), 1):
                value = None if at is None else at[index][position]
                rows.append((of, row.name, figure, formula, value))
    return [
        {**cell, "of": of, "name": name, "figure": figure, "formula": str(formula), "value": "" if value is None else value}
        for of, name, figure, formula, value in rows
    ]
