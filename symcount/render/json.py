"""The machine-readable form, exactly as docs/json.md lays it out (schema 1).

Language v2 adds keys only where a cell needs them, so a v1 cell's document
is unchanged: `frozen` and `total` (and `frozen_value`, `total_value`) when a
parameter is frozen, `numel` (and `numel_value`) when one is complex or
quaternion, `sizes` (and `size_values`) when the counts use a derived size,
and per parameter `field` and `numel` when it is not real and `frozen` when
it is frozen; `removed_biases` with `--no-bias`.
"""

from __future__ import annotations

import json

from ..counting.counts import StackParam
from ..symbols import dim_expr
from . import Report, tex
from .settings import Settings

SETTINGS = Settings("json")  # none: one document, the contract docs/json.md describes


def render(reports: list[Report], **settings: object) -> str:
    SETTINGS.merged(settings)  # refuses any setting
    return json.dumps({"schema": 1, "cells": [document(r) for r in reports]}, indent=2) + "\n"


def document(report: Report) -> dict:
    net = report.summary
    doc = {
        "name": net.name,
        "description": net.description,
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
        doc["value"] = report.value
        if net.has_frozen:
            doc["frozen_value"] = report.frozen_value
            doc["total_value"] = report.total_value
        if net.has_nonreal:
            doc["numel_value"] = report.numel_value
        if net.used_sizes:
            doc["size_values"] = report.size_values
    doc["layers"] = 1 if net.layers is None else net.layers
    doc["bidirectional"] = net.bidirectional
    doc["bias"] = net.bias
    if not net.bias:  # what --no-bias removed, in order
        doc["removed_biases"] = list(net.removed_biases)
    doc["params"] = [_param(p, net.stacked) for p in net.params]
    doc["gates"] = [{"name": g, "count": str(c)} for g, c in net.gates.items()]
    return doc


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
