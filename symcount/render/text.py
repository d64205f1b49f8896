"""Plain text for the terminal: the base writer as it is, and the `check` and `verify` tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Report
from .base import Writer

if TYPE_CHECKING:
    from ..api.verify import Check


def render(reports: list[Report], **settings: object) -> str:
    return Writer(**settings).render(reports)


def check(reports: list[Report]) -> str:
    """`symcount check`: per cell a verdict line, then each parameter's shape and gate."""
    writer = Writer()
    out = []
    for report in reports:
        net = report.summary
        line = f"{net.source}: {writer.signature(net)}: {_verdict(len(net.warnings))}, "
        if net.has_frozen:
            frozen = sum(p.frozen for p in net.params)
            line += f"{len(net.params)} parameters ({frozen} frozen), {writer.math(net.count)} trainable"
            line += f" + {writer.math(net.frozen)} frozen"
        else:
            line += f"{len(net.params)} parameters, {writer.math(net.count)}"
        if net.used_sizes:
            line += f", where {writer.definitions(net)}"
        out.append(line)
        out += _model_params(writer, net) if net.is_model else _cell_params(writer, net)
    return "".join(line + "\n" for line in out)


def _cell_params(writer: Writer, net) -> list[str]:
    rows = [[p.name, writer.kind(p), writer.shape(p), p.gate] for p in net.params]
    return [writer.table(["parameter", "kind", "shape", "gate"], rows)]


def _model_params(writer: Writer, net) -> list[str]:
    """A model's parameters named by component (`decoder.bias`), with their copies,
    then each tied weight and the embedding's it is (docs/cli.md, "Models")."""
    rows = [[f"{p.layer}.{p.name}", writer.kind(p), writer.shape(p), writer.copies(p)] for p in net.params]
    lines = [writer.table(["parameter", "kind", "shape", "copies"], rows)]
    for weight, table in writer.tied(net):
        lines.append(f"  tied: {weight} is {table}, counted once (in {table.partition('.')[0]})")
    return lines


def _verdict(warnings: int) -> str:
    return "ok" if not warnings else f"ok with {warnings} warning{'s' if warnings > 1 else ''}"


def verification(checks: list[Check], bias: bool = True) -> str:
    """`symcount verify`: a row per comparison with the framework, then the verdict."""
    writer = Writer()
    rows = []
    for c in checks:
        depth = f"{c.layers}" + (" bidir" if c.bidirectional else "")
        match = "yes" if c.match else "NO"
        counts = [writer.number(c.symcount), writer.number(c.framework)]
        rows.append([c.cell, writer.sizes(c.sizes), depth, *counts, match])
    head = ["cell", "sizes", "layers", "symcount", "framework", "match"]
    bad = sum(not c.match for c in checks)
    verdict = f"{bad} MISMATCHED" if bad else "all match"
    note = "" if bias else ", no biases"
    return f"{writer.table(head, rows)}\n\n{len(checks)} checks{note}: {verdict}\n"
