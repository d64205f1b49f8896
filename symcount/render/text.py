"""Plain text for the terminal: formula, factored form, parameter and gate tables."""

from __future__ import annotations

from . import Report
from . import network as _network


def render(reports: list[Report]) -> str:
    return "\n\n".join(_cell(r) for r in reports) + "\n"


def _cell(report: Report) -> str:
    cell = report.cell
    head = f"{cell.name}({', '.join(map(str, cell.dims))})"
    if cell.description:
        head += f": {cell.description}"
    lines = [head, f"  source    {cell.source}"]
    network = _network(cell)
    if network:
        lines.append(f"  network   {network}")
    lines.append(f"  count     {cell.count}")
    lines.append(f"  factored  {cell.factored}")
    value = report.value
    if value is not None:
        at = ", ".join(f"{k}={report.sizes[k]}" for k in map(str, cell.dims))
        lines.append(f"  value     {value:,}  ({at})")
    lines.append("")
    stacked = hasattr(cell, "layers")
    rows = [("parameter", "kind", "shape", "count", "gate")]
    if stacked:
        rows[0] += ("layer", "copies")
    for p in cell.params:
        rows.append((p.name, p.kind, _shape(p), str(p.count), p.gate))
        if stacked:
            rows[-1] += (p.layer, str(p.copies))
    if value is not None:
        rows[0] += ("value",)
        for i, p in enumerate(cell.params, start=1):
            rows[i] += (f"{report.param_value(p.count):,}",)
    lines += _table(rows)
    lines.append("")
    gate_rows = [("gate", "count")] + [(g, str(c)) for g, c in cell.gates.items()]
    lines += _table(gate_rows)
    return "\n".join(lines)


def _shape(p) -> str:
    if p.kind == "scalar":
        return "scalar"
    if p.kind == "diag":
        return f"diag({p.shape[0]})"
    return "(" + ", ".join(map(str, p.shape)) + ")" if len(p.shape) > 1 else str(p.shape[0])


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
