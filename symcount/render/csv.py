"""CSV for spreadsheets and data frames: a header row, then one row per cell and figure.

Each row names its cell and network, how the cost is priced, the figure it
holds and what of (the total, a gate, a kind of operation), the formula as a
string in sympy's syntax and, when every size is set, the value as a plain
integer (no thousands separators; empty without values). The rows are
records, a dict of `COLUMNS` each: so far of costs (`symcount cost --format
csv`); counts would be records of their own beside them.
"""

from __future__ import annotations

import csv
import io

from . import Report
from .settings import Settings

SETTINGS = Settings("csv")  # none: one layout

COLUMNS = ("cell", "network", "convention", "dtype", "seq", "batch", "of", "name", "figure", "formula", "value")


def render(reports: list[Report], **settings: object) -> str:
    SETTINGS.merged(settings)  # refuses any setting
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(record for report in reports for record in cost_records(report))
    return out.getvalue()


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
