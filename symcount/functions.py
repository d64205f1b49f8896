"""The functions a cell may call: the built-in table and the cell's own `def`s.

Elementwise functions keep the shape of their argument. The structural ones
(norms, convolutions, `outer`, `heads`, `flat`, `sum`) have shape rules of
their own in `shapes`; here they only say how many arguments they take and
which of them are sizes rather than values. A cell's own functions
(`def g(a) = ...`) are inlined where they are called, before shapes are
inferred, so they cost nothing new to any later stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import ir

# Elementwise, one argument.
ELEMENTWISE = frozenset(
    {
        "sigmoid",
        "tanh",
        "relu",
        "softplus",
        "softsign",
        "exp",
        "log",
        "hard_sigmoid",
        "identity",
        "elu",
        "gelu",
        "silu",
        "swish",
        "sin",
        "cos",
        "abs",
        "sqrt",
        "leaky_relu",
        "logsigmoid",
    }
)


@dataclass(frozen=True)
class Signature:
    """How a built-in function is called: its arguments, which of them are sizes."""

    min_args: int
    max_args: int
    sizes: tuple[int, ...] = ()  # argument positions that are sizes (`H` in heads(v, H))
    weight: int | None = None  # the argument position that must be a parameter (a kernel)


SIGNATURES: dict[str, Signature] = {name: Signature(1, 1) for name in ELEMENTWISE}
SIGNATURES.update(
    {
        # elementwise, two values
        "max": Signature(2, 2),
        "min": Signature(2, 2),
        # normalisation: parameter-free; gains and biases are written as vectors
        "layernorm": Signature(1, 1),
        "rmsnorm": Signature(1, 1),
        "batchnorm": Signature(1, 1),
        "groupnorm": Signature(2, 2, sizes=(1,)),
        # structure
        "outer": Signature(2, 2),
        "heads": Signature(2, 2, sizes=(1,)),
        "flat": Signature(1, 1),
        "sum": Signature(1, 1),
        # convolutions: conv1d(w, v[, K]) depthwise over time; conv(W, x[, k]) spatial
        "conv1d": Signature(2, 3, sizes=(2,), weight=0),
        "conv": Signature(2, 3, sizes=(2,), weight=0),
    }
)

FUNCTIONS = frozenset(SIGNATURES)


def arity_text(name: str, sig: Signature) -> str:
    if sig.min_args == sig.max_args:
        count = sig.min_args
        return f"{name}() takes exactly {_number(count)} argument{'s' if count > 1 else ''}"
    return f"{name}() takes {_number(sig.min_args)} or {_number(sig.max_args)} arguments"


def _number(count: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(count, str(count))


# ---- a cell's own functions ----


def inline(expr: ir.Expr, defs: dict[str, ir.FunctionDef]) -> ir.Expr:
    """`expr` with every call of a `def` replaced by the def's body.

    The body's names that are the def's parameters become the arguments of
    the call; every other name keeps its meaning in the cell (a weight used
    in a def is one parameter, however often the def is called). Defs are
    checked to call only earlier defs, so this ends.
    """
    if not defs:
        return expr
    return _substitute(expr, {}, defs)


def _substitute(node: ir.Expr, bound: dict[str, ir.Expr], defs: dict[str, ir.FunctionDef]):
    if isinstance(node, ir.Name):
        return bound.get(node.name, node)
    if isinstance(node, ir.Call) and node.func in defs:
        definition = defs[node.func]
        args = [_substitute(a, bound, defs) for a in node.args]
        return _substitute(definition.expr, dict(zip(definition.params, args, strict=True)), defs)
    if isinstance(node, ir.Call):
        args = tuple(_substitute(a, bound, defs) for a in node.args)
        return ir.Call(node.func, args, node.span, node.func_span)
    if isinstance(node, ir.Concat):
        return ir.Concat(tuple(_substitute(p, bound, defs) for p in node.parts), node.span)
    if isinstance(node, ir.Neg):
        return ir.Neg(_substitute(node.operand, bound, defs), node.span)
    if isinstance(node, ir.Sum):
        return ir.Sum(tuple(_substitute(t, bound, defs) for t in node.terms), node.ops, node.span)
    if isinstance(node, ir.Product):
        factors = tuple(_substitute(f, bound, defs) for f in node.factors)
        return ir.Product(factors, node.ops, node.span)
    if isinstance(node, ir.MatMul):
        return ir.MatMul(
            _substitute(node.matrix, bound, defs), _substitute(node.vector, bound, defs), node.span
        )
    if isinstance(node, ir.Slice):
        return ir.Slice(_substitute(node.operand, bound, defs), node.start, node.stop, node.span)
    return node
