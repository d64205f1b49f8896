"""The calls in a cell: each call's arguments (`check_call`), and the cell's own
functions (`def g(a) = ...`), checked, then inlined (`check_defs`).

A def's name is new, its parameters are distinct, its body calls only the
built-ins and the defs above it (so inlining ends), each with the right number
of arguments. The equations that call a def are rebuilt with its body in place
of each call (`inline.inline`): `scope.equations`, what shapes are inferred
from; the cell's own equations keep the calls, for printing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import functions, ir, visit
from ..errors import suggest
from ..functions import FUNCTIONS
from . import inline

if TYPE_CHECKING:
    from .scope import ErrorFactory, Scope


def check_defs(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    """Every `def` checked in order, then inlined into the equations that call it."""
    for position, definition in enumerate(cell.functions):
        _check_function(definition, cell.functions[position + 1 :], scope, err)
        scope.functions[definition.name] = definition  # later defs may call it; earlier ones cannot
    # Only the equations that call a def are rebuilt: inlining copies the tree.
    scope.equations = [
        ir.Equation(eq.target, eq.is_state, _inline(eq, scope, err), eq.span, eq.target_span)
        if _check_function_calls(eq.expr, scope, err)
        else eq
        for eq in cell.equations
    ]


def _check_function(definition: ir.FunctionDef, below, scope: Scope, err: ErrorFactory) -> None:
    """A def's name is new, its parameters distinct, and its body calls only
    built-ins and the defs above it (so inlining ends), each with the right
    number of arguments."""
    name = definition.name
    if name in FUNCTIONS or name in scope.functions:
        first = scope.functions.get(name)
        notes = (("first defined here", first.name_span),) if first else ()
        what = "a built-in function; give yours another name" if first is None else "defined twice"
        raise err(f"function '{name}' is {what}", definition.name_span, *notes)
    taken = _declared_name(name, scope)
    if taken is not None:
        kind, span = taken
        raise err(
            f"function '{name}' has the name of {kind} '{name}'; give the function another name",
            definition.name_span,
            ("declared here", span),
        )
    seen: dict[str, ir.Span] = {}
    for param, span in zip(definition.params, definition.param_spans, strict=True):
        if param in seen:
            raise err(f"'{param}' is listed twice", span, ("first here", seen[param]))
        if param in FUNCTIONS or param in scope.functions:
            raise err(
                f"'{param}' is a function name; call the argument something else", span
            )
        seen[param] = span
    later = {d.name: d for d in below}
    for node in ir.walk(definition.expr):
        if not isinstance(node, ir.Call):
            continue
        if node.func == name:
            raise err(f"function '{name}' calls itself; a cell's functions cannot recurse", node.span)
        if node.func in later:
            raise err(
                f"function '{node.func}' is defined below '{name}'; a function may call only "
                "the functions defined above it (move its `def` up)",
                node.func_span,
                (f"'{node.func}' is defined here", later[node.func].name_span),
            )
        if node.func not in scope.functions and node.func not in functions.TABLE:
            raise err(
                f"unknown function '{node.func}'"
                + suggest(node.func, [*FUNCTIONS, *scope.functions]),
                node.func_span,
            )
    _check_function_calls(definition.expr, scope, err)


def _declared_name(name: str, scope: Scope) -> tuple[str, ir.Span] | None:
    """What a name already is among the header and the declarations, if anything."""
    if name in scope.symbols:
        return "size symbol", scope.symbols[name].span
    for kind, table in (
        ("size", scope.sizes),
        ("input", scope.inputs),
        ("state", scope.states),
        ("parameter", scope.declared),
    ):
        if name in table:
            return kind, table[name].span
    return None


def _check_function_calls(expr: ir.Expr, scope: Scope, err: ErrorFactory) -> bool:
    """Every call of a cell's own function has one argument per parameter.
    Whether `expr` calls one."""
    if not scope.functions:
        return False
    called = False
    for node in ir.walk(expr):
        if isinstance(node, ir.Call) and node.func in scope.functions:
            definition = scope.functions[node.func]
            wanted = len(definition.params)
            if len(node.args) != wanted:
                listed = ", ".join(definition.params)
                raise err(
                    f"{node.func}() takes {_arguments(wanted)} ({listed}), got {len(node.args)}",
                    node.span,
                    (f"'{node.func}' is defined here", definition.name_span),
                )
            called = True
    return called


def _arguments(count: int) -> str:
    return f"exactly {functions.number_text(count)} argument{'s' if count > 1 else ''}"


def _inline(eq: ir.Equation, scope: Scope, err: ErrorFactory) -> ir.Expr:
    try:
        return inline.inline(eq.expr, scope.functions)
    except inline.InliningTooLarge as e:
        raise err(str(e), e.span) from None


def check_call(node: ir.Call, scope: Scope, err: ErrorFactory) -> None:
    signature = functions.TABLE.get(node.func)
    if signature is None:
        raise err(
            f"unknown function '{node.func}'" + suggest(node.func, [*FUNCTIONS, *scope.functions]),
            node.func_span,
        )
    if not signature.min_args <= len(node.args) <= signature.max_args:
        raise err(f"{functions.arity_text(signature)}, got {len(node.args)}", node.span)
    for index in signature.sizes:
        if index < len(node.args) and not is_size(node.args[index], scope):
            arg = node.args[index]
            hint = ""
            if any(isinstance(n, ir.Product) and "/" in n.ops for n in ir.walk(arg)):
                hint = "; for a quotient, define it first (`size k = n / 2`) and give k"
            raise err(
                f"argument {index + 1} of {node.func}() must be a size (a size symbol, a whole "
                f"number, or a sum or product of them, such as {_SIZE_EXAMPLES.get(node.func, 'H or 2*H')}), "
                f"not '{scope.cell.source.snippet(arg.span)}'{hint}",
                arg.span,
            )
    if signature.weight is not None:
        weight = node.args[signature.weight]
        if not (isinstance(weight, ir.Name) and scope.kind(weight.name) == "parameter"):
            text = scope.cell.source.snippet(weight.span)
            what = f"{scope.kind(weight.name)} '{text}'" if isinstance(weight, ir.Name) else f"'{text}'"
            raise err(
                f"the first argument of {node.func}() is its kernel, a parameter (as w in "
                f"{node.func}(w, x)), not {what}",
                weight.span,
            )


# What a size argument looks like, per function that takes one.
_SIZE_EXAMPLES = {
    "heads": "heads(v, H)",
    "groupnorm": "groupnorm(v, G)",
    "conv1d": "conv1d(w, v, K)",
    "conv": "conv(W, x, k)",
}


def is_size(node: ir.Expr, scope: Scope) -> bool:
    """Whether an argument reads as a size: `H`, `4`, `2*d`."""
    reads = _ReadsAsSize(scope)
    return all(reads.visit(part) for part in ir.walk(node))


class _ReadsAsSize(visit.Visitor):
    """Whether one node of an argument may be part of a size (its operands are asked in turn)."""

    def __init__(self, scope: Scope):
        self.scope = scope

    def visit_Number(self, node: ir.Number) -> bool:
        return node.text.isdigit()

    def visit_Name(self, node: ir.Name) -> bool:
        return node.name in self.scope.symbols or node.name in self.scope.sizes

    def visit_Sum(self, node: ir.Sum) -> bool:
        return True

    def visit_Product(self, node: ir.Product) -> bool:
        return "/" not in node.ops

    def visit_ExprNode(self, node: ir.Expr) -> bool:
        """Any other expression (a call, a slice, `-n`) is a value, not a size."""
        return False
