"""CSV for spreadsheets and data frames: a header row, then one record a row.

Each row names its cell and network, how the cost is priced, the figure it
holds and what of (the total, a gate, a kind of operation), the formula as a
string in sympy's syntax and, when every size is set, the value as a plain
integer (no thousands separators; empty without values). The rows are
records, a dict of `COLUMNS` each: so far of costs (`symcount cost --format
csv`); counts would be records of their own beside them. `symcount solve`
writes a row per cell: what was asked, its sizes, what it found.

Integers are plain integers (no thousands separators) and formulas strings in
sympy's syntax, as in JSON; a value a cell has not (a size not set) is empty.
What the rows are depends on what was asked (docs/cli.md, "Output formats"):

- counts (`symcount count`): per cell its count (`of` "total": `parameters`,
  and `frozen`, `total`, `numel` where the cell has them), then each parameter
  and each gate, with formula and value; a model's components (`of`
  "component") come before its parameters (named `decoder.bias`), and it has
  no gates;
- costs (`symcount cost`): per cell each figure of the cost, then the MACs and
  FLOPs per gate and per kind of operation, with how it is priced;
- a sweep (either, with a list or a range in `--set`): per cell and combination
  of sizes, a column for each size set and one for each figure, values only;
- `symcount verify` (`verification`): per comparison with the framework, the
  sizes, the network and both counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..costing import FIGURES
from . import Report, sweep
from .base import merged_sizes
from .settings import Settings

if TYPE_CHECKING:
    from ..api.verify import Check

SETTINGS = Settings("csv")  # none: one layout

RECORD = ("of", "name", "figure", "formula", "value")
PRICING = ("convention", "dtype", "seq", "batch")
COUNT_COLUMNS = ("cell", "network", *RECORD)
COST_COLUMNS = ("cell", "network", *PRICING, *RECORD)


def render(reports: list[Report], **settings: object) -> str:
    SETTINGS.merged(settings)  # refuses any setting
    if reports and reports[0].solved is not None:  # `symcount solve`
        columns, rows = solution_columns(reports), map(solution_record, reports)
    elif reports and reports[0].swept:
        columns, rows = sweep_rows(reports)
    elif reports and reports[0].summary.cost is not None:
        columns, rows = COST_COLUMNS, (row for report in reports for row in cost_records(report))
    else:
        columns, rows = COUNT_COLUMNS, (row for report in reports for row in count_records(report))
    return _written(columns, rows)


def verification(checks: list[Check]) -> str:
    """`symcount verify --format csv`: a row per comparison, a column per size
    symbol of any cell (empty where a cell has not that size), then the network
    and both counts; `match` is `true` or `false`."""
    names = list(dict.fromkeys(name for check in checks for name in check.sizes))
    columns = ("cell", *names, "layers", "bidirectional", "bias", "symcount", "framework", "match")
    rows = [
        {"cell": c.cell, **c.sizes, "layers": c.layers, "bidirectional": str(c.bidirectional).lower(),
         "bias": str(c.bias).lower(), "symcount": c.symcount, "framework": c.framework, "match": str(c.match).lower()}
        for c in checks
    ]  # fmt: skip
    return _written(columns, rows)


def _written(columns: Iterable[str], rows: Iterable[dict[str, object]]) -> str:
    """The header row, then the rows; a key a row lacks is an empty value."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def count_records(report: Report) -> list[dict[str, object]]:
    """A row for the cell's count (and frozen, total, numel where it has them), then
    per component of a model, per parameter (figure `frozen` for a frozen one) and
    per gate of a cell."""
    net = report.summary
    rows = [("total", "", "parameters", net.count, report.value)]
    if net.has_frozen:
        rows += [("total", "", "frozen", net.frozen, report.frozen_value)]
        rows += [("total", "", "total", net.total_count, report.total_value)]
    if net.has_nonreal:
        rows += [("total", "", "numel", net.numel, report.numel_value)]
    # A model's components, each over its copies; its parameters named in theirs (`decoder.bias`).
    rows += [("component", c.label, "parameters", c.count, report.param_value(c.count)) for c in net.components]
    for p in net.params:
        name = f"{p.layer}.{p.name}" if net.is_model else p.name
        rows.append(("parameter", name, "frozen" if p.frozen else "parameters", p.count, report.param_value(p.count)))
    if not net.is_model:  # a model's gates are its cells' own
        rows += [("gate", gate, "parameters", count, report.param_value(count)) for gate, count in net.gates.items()]
    return _records({"cell": net.name, "network": net.note}, rows)


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
    """A row per figure of the cost (`of` "total"), then per component (a model's),
    per gate and per kind of operation its MACs and FLOPs (`of` "component", "gate"
    or "operation", `name` which)."""
    cost = report.summary.cost
    if cost is None:
        raise ValueError("cost_records writes costs: give it a report whose summary has one")
    values = report.cost_values or {}
    rows = [("total", "", figure, formula, values.get(figure)) for figure, formula in cost.figures.items()]
    for of, breakdown in cost.breakdowns:
        at = report.cost_rows(breakdown)
        for index, row in enumerate(breakdown):
            for position, (figure, formula) in enumerate((("macs", row.macs), ("flops", row.flops)), 1):
                value = None if at is None else at[index][position]
                rows.append((of, row.name, figure, formula, value))
    return _records(_priced(report), rows)


def _records(cell: dict[str, object], rows: Iterable[tuple]) -> list[dict[str, object]]:
    """The rows (of, name, figure, formula, value) of one cell as records."""
    return [
        {**cell, "of": of, "name": name, "figure": figure, "formula": str(formula), "value": "" if value is None else value}
        for of, name, figure, formula, value in rows
    ]


def _priced(report: Report) -> dict[str, object]:
    """The columns that say which cell and how its cost is priced."""
    net, cost = report.summary, report.summary.cost
    priced = {"convention": cost.convention, "dtype": cost.dtype, "seq": cost.seq, "batch": cost.batch}
    return {"cell": net.name, "network": net.note, **priced}


def sweep_rows(reports: list[Report]) -> tuple[tuple[str, ...], list[dict[str, object]]]:
    """A sweep's table: a row per cell and combination of sizes, in that order, with
    every size set (the swept ones last) and each figure: the counts'
    (`sweep.count_figures`), or with costs every figure of the cost."""
    costs = reports[0].summary.cost is not None
    fixed, points = merged_sizes(reports), sweep.points(reports[0].swept)
    figures = FIGURES if costs else sweep.count_figures(reports)
    columns = ("cell", "network", *(PRICING if costs else ()), *fixed, *reports[0].swept, *figures)
    rows = []
    for report in reports:
        cell = _priced(report) if costs else {"cell": report.summary.name, "network": report.summary.note}
        for point, there in zip(points, report.sweep, strict=True):
            values = (sweep.cost_values(there) or {}) if costs else sweep.count_values(there, figures)
            shown = {figure: "" if values.get(figure) is None else values[figure] for figure in figures}
            rows.append({**cell, **fixed, **point, **shown})
    return columns, rows
