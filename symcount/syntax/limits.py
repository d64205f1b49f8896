"""Limits on what a text may hold, so that no input can exhaust Python's stack
or its integer conversion."""

from __future__ import annotations

from .. import ir
from ..errors import SymcountError

# Deeper expressions are rejected with a located error; every later stage may
# then recurse over expressions without risking Python's recursion limit.
MAX_DEPTH = 100

# An integer in a size may have at most this many digits. Python refuses to
# convert much longer ones (int_max_str_digits), and no real size comes close.
MAX_DIGITS = 100


def check_depth(definition: ir.Definition, source: ir.Document) -> None:
    if isinstance(definition, ir.ModelDef):
        roots = [d for c in definition.components if _may_be_deep(c.span) for d in _model_dims(c)]
        roots += [i.dim for i in definition.inputs if _may_be_deep(i.span)]
        _check(roots, source)
        return
    cell = definition
    roots: list = [eq.expr for eq in cell.equations if _may_be_deep(eq.span)]
    roots += [f.expr for f in cell.functions if _may_be_deep(f.span)]
    for decl in cell.declarations:
        if not _may_be_deep(decl.span):
            continue
        if isinstance(decl, (ir.Input, ir.State, ir.ParamDecl)):
            roots.extend(decl.dims)
        elif isinstance(decl, ir.SizeDecl) and decl.definition is not None:
            roots.append(decl.definition)
    _check(roots, source)


def _model_dims(component: ir.Component) -> list[ir.Dim]:
    return [*component.args, *([component.repeat] if component.repeat is not None else [])]


def _check(roots: list, source: ir.Document) -> None:
    for root in roots:
        node = ir.node_at_depth(root, MAX_DEPTH + 1)
        if node is not None:
            raise SymcountError(
                f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                source.location(node.span),
            )


def _may_be_deep(span: ir.Span) -> bool:
    # Every node is longer than the node it contains, so a one-line text of
    # at most MAX_DEPTH characters cannot nest deeper than that: most lines
    # need no walk at all.
    return span.end_line != span.line or span.end_column - span.column > MAX_DEPTH
