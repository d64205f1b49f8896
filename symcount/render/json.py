"""The machine-readable form, exactly as SPEC §2 lays it out (schema 1)."""

from __future__ import annotations

import json

import sympy

from . import Report


def render(reports: list[Report]) -> str:
    return json.dumps({"schema": 1, "cells": [document(r) for r in reports]}, indent=2) + "\n"


def document(report: Report) -> dict:
    cell = report.cell
    doc = {
        "name": cell.name,
        "description": cell.description,
        "source": cell.source,
        "dims": [str(d) for d in cell.dims],
        "count": str(cell.count),
        "factored": str(cell.factored),
        "latex": sympy.latex(cell.count),
    }
    if report.value is not None:
        doc["value"] = report.value
    layers = getattr(cell, "layers", 1)
    doc["layers"] = layers if isinstance(layers, int) else str(layers)
    doc["bidirectional"] = getattr(cell, "bidirectional", False)
    doc["bias"] = not cell.no_bias
    doc["params"] = [_param(p) for p in cell.params]
    doc["gates"] = [{"name": g, "count": str(c)} for g, c in cell.gates.items()]
    return doc


def _param(p) -> dict:
    entry = {
        "name": p.name,
        "kind": p.kind,
        "shape": [str(s) for s in p.shape],
        "count": str(p.count),
        "gate": p.gate,
    }
    if hasattr(p, "layer"):  # a stacked network's parameter: which layers, how many copies
        entry["layer"] = p.layer
        entry["copies"] = str(p.copies)
    return entry
