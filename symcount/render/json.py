"""The machine-readable form, exactly as SPEC §2 lays it out (schema 1)."""

from __future__ import annotations

import json

import sympy

from ..counting import StackParam
from . import Report


def render(reports: list[Report]) -> str:
    return json.dumps({"schema": 1, "cells": [document(r) for r in reports]}, indent=2) + "\n"


def document(report: Report) -> dict:
    net = report.network
    doc = {
        "name": net.name,
        "description": net.description,
        "source": net.source,
        "dims": [str(d) for d in net.dims],
        "count": str(net.count),
        "factored": str(net.factored),
        "latex": sympy.latex(net.count),
    }
    if report.value is not None:
        doc["value"] = report.value
    doc["layers"] = 1 if net.layers is None else net.layers
    doc["bidirectional"] = net.bidirectional
    doc["bias"] = net.bias
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
    if stacked:  # a stacked network's parameter: which layers, how many copies
        entry["layer"] = p.layer
        entry["copies"] = str(p.copies)
    return entry
