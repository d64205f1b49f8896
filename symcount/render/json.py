"""The machine-readable form, exactly as docs/json.md lays it out (schema 1).

Language v2 adds keys only where a cell needs them, so a v1 cell's document
is unchanged: `frozen` and `total` (and `frozen_value`, `total_value`) when a
parameter is frozen, `numel` (and `numel_value`) when one is complex or
quaternion, `sizes` (and `size_values`) when the counts use a derived size,
and per parameter `field` and `numel` when it is not real and `frozen` when
it is frozen; `removed_biases` with `--no-bias`; `display` when the cell has a
display name. `symcount cost` adds `cost` to each cell.
"""

from __future__ import annotations

import json

from ..costing import Row
from ..counting.counts import StackParam
from ..counting.summary import ComponentRow, Summary
from ..shapes.sizes import SizeValueError
from ..symbols import dim_expr
from . import Report, sweep, tex
from .settings import Settings

SETTINGS = Settings("json")  # none: one document, the contract docs/json.md describes


def render(reports: list[Report], **settings: object) -> str:
    SETTINGS.merged(settings)  # refuses any setting
    if reports and reports[0].solved is not None:  # `symcount solve`
        return json.dumps(solutions(reports), indent=2) + "\n"
    doc: dict[str, object] = {"schema": 1}
    if reports and reports[0].swept:  # the values swept, the same for every cell (docs/json.md, "Sweeps")
        doc["sweep"] = {name: list(values) for name, values in reports[0].swept.items()}
    doc["cells"] = [document(r) for r in reports]
    return json.dumps(doc, indent=2) + "\n"


def solutions(reports: list[Report]) -> dict:
    """What `symcount solve` found (docs/json.md, "Budgets"): what was asked, then a
    cell each. Keys beyond the question's four only where it has them."""
    asked = reports[0].solved
    doc = {"schema": 1, "budget": asked.budget, "metric": asked.metric, "for": asked.for_}
    for key, value in (("convention", asked.convention), ("dtype", asked.dtype)):
        if value is not None:  # what priced the metric
            doc[key] = value
    if asked.multiple_of > 1:
        doc["multiple_of"] = asked.multiple_of
    if asked.matched is not None:
        doc["match"] = {"name": asked.matched.name, "sizes": asked.matched.sizes}
    doc["cells"] = [solution(r) for r in reports]
    return doc


def solution(report: Report) -> dict:
    found, net = report.solved, report.summary
    after = found.next
    doc = {
        "name": net.name,
        "sizes": found.sizes,
        "count": found.value,
        "next": None if after is None else {"sizes": after.sizes, "count": after.value},
    }
    if found.message:
        doc["message"] = found.message
    if net.note:  # a stack, or without biases: as the count's document says it
        doc.update(layers=1 if net.layers is None else net.layers, bidirectional=net.bidirectional, bias=net.bias)
    return doc


def document(report: Report) -> dict:
    net = report.summary
    doc = {
        "name": net.name,
        **({"kind": "model"} if net.is_model else {}),
        "description": net.description,
        **_display(net),
        "source": net.source,
        "dims": [str(d) for d in net.dims],
        "count": str(net.count),
        "factored": str(net.factored),
        "latex": tex.math(net.count),
    }
    if net.has_frozen:  # `count` is the trainable count; these are apart
        doc["frozen"] = str(net.frozen)
        doc["total"] = str(net.total_count)
    if net.has_nonreal:  # the count as `numel()` gives it: a complex entry once
        doc["numel"] = str(net.numel)
    if net.used_sizes:  # derived sizes the counts are written in, with their definitions
        doc["sizes"] = {name: str(dim_expr(dim)) for name, dim in net.used_sizes.items()}
    if report.value is not None:
        doc.update(_values(report))
    if not net.is_model:  # a model's layers are written in it, each a component
        doc["layers"] = 1 if net.layers is None else net.layers
        doc["bidirectional"] = net.bidirectional
    doc["bias"] = net.bias
    if not net.bias:  # what --no-bias removed, in order
        doc["removed_biases"] = list(net.removed_biases)
    if net.is_model:  # by component, a gate being its cell's own (docs/json.md, "Model keys")
        doc["params"] = [_model_param(p) for p in net.params]
        doc["components"] = [_component(c, report) for c in net.components]
    else:
        doc["params"] = [_param(p, net.stacked) for p in net.params]
        doc["gates"] = [{"name": g, "count": str(c)} for g, c in net.gates.items()]
    if net.cost is not None:  # `symcount cost`
        doc["cost"] = cost_document(report)
    if report.swept:
        points = sweep.points(report.swept)
        doc["sweep"] = [_swept(report, there, point) for point, there in zip(points, report.sweep, strict=True)]
    return doc


def _swept(report: Report, there: Report | SizeValueError, point: dict[str, int]) -> dict:
    """The cell at one point of a sweep: its sizes there and, when it has them, its
    values under the keys the cell has them (docs/json.md, "Sweeps")."""
    if isinstance(there, SizeValueError):
        return {"sizes": sweep.sizes_at(report, point), "skipped": str(there)}
    entry: dict[str, object] = {"sizes": there.sizes}
    if there.value is not None:
        entry.update(_values(there))
    if there.cost_values is not None:
        entry["cost_values"] = there.cost_values
    return entry


def _values(report: Report) -> dict[str, object]:
    """The count's value at the sizes set (every size symbol is), and those of
    language v2 where the cell has them: frozen, total, numel, derived sizes."""
    net = report.summary
    values: dict[str, object] = {"value": report.value}
    if net.has_frozen:
        values["frozen_value"] = report.frozen_value
        values["total_value"] = report.total_value
    if net.has_nonreal:
        values["numel_value"] = report.numel_value
    if net.used_sizes:
        values["size_values"] = report.size_values
    return values


def _display(net: Summary) -> dict:
    """`display` when the cell has a display name: its LaTeX and its text (docs/json.md)."""
    named = net.definition
    if named.display is None:
        return {}
    return {"display": {"latex": named.display, "text": tex.cell_text(named)}}


def cost_document(report: Report) -> dict:
    """The cost of one step (docs/json.md, "Cost keys"): formulas, and values when
    every size (and free extent) is set."""
    cost = report.summary.cost
    doc = {"convention": cost.convention, "dtype": cost.dtype, "seq": cost.seq, "batch": cost.batch}
    doc.update({figure: str(formula) for figure, formula in cost.figures.items()})
    if report.cost_sizes:
        doc["sizes"] = {name: str(dim_expr(dim)) for name, dim in report.cost_sizes.items()}
    if report.summary.extents:
        doc["free_extents"] = list(report.summary.extents)
    if report.cost_values is not None:
        doc["values"] = report.cost_values
    breakdowns = (("per_gate", cost.per_gate), ("per_op", cost.per_op))
    if cost.per_component:  # a model's (docs/json.md, "Cost keys")
        breakdowns = (("per_component", cost.per_component), *breakdowns)
    for key, rows in breakdowns:
        values = report.cost_rows(rows)
        doc[key] = [_cost_row(row, None if values is None else values[i]) for i, row in enumerate(rows)]
    doc["uncounted"] = list(cost.uncounted)
    doc["rule"] = cost.rule
    return doc


def _cost_row(row: Row, values: tuple[str, int, int] | None) -> dict:
    entry = {"name": row.name, "macs": str(row.macs), "flops": str(row.flops)}
    if values is not None:
        _, macs, flops = values
        entry["values"] = {"macs": macs, "flops": flops}
    return entry


def _param(p: StackParam, stacked: bool) -> dict:
    entry = {
        "name": p.name,
        "kind": p.kind,
        "shape": [str(s) for s in p.shape],
        "count": str(p.count),
        "gate": p.gate,
    }
    if p.field != "real":  # "complex" (2 reals an entry) or "quaternion" (4)
        entry["field"] = p.field
        entry["numel"] = str(p.numel)
    if p.frozen:
        entry["frozen"] = True
    if stacked:  # a stacked network's parameter: which layers, how many copies
        entry["layer"] = p.layer
        entry["copies"] = str(p.copies)
    return entry


def _model_param(p: StackParam) -> dict:
    """A model's parameter: its name in its component, and the copies it has there."""
    entry: dict[str, object] = {"name": p.name, "component": p.layer}
    entry.update((key, value) for key, value in _param(p, stacked=False).items() if key not in ("name", "gate"))
    entry["copies"] = str(p.copies)
    return entry


def _component(c: ComponentRow, report: Report) -> dict:
    """One component of a model (docs/json.md, "Model keys")."""
    entry = {
        "label": c.label,
        "kind": c.kind,
        "what": c.what,
        "copies": str(c.copies),
        "bidirectional": c.directions == 2,
        "residual": c.residual,
        "reads": [{"input": name, "width": str(width)} for name, width in c.reads],
        "emits": None if c.emits is None else str(c.emits),
        "count": str(c.count),
    }
    if report.value is not None:
        entry["value"] = report.param_value(c.count)
    entry["tied"] = c.tied
    entry["line"] = c.line
    return entry
