"""Sizes as written → polynomials: the header's symbols and the cell's own `size`s.

A `size` defined by a polynomial (`size I = E * D`) is an abbreviation and is
replaced by its definition, so counts come out in the header's symbols. One
defined with division or ceil/floor (`size R = ceil(D / 16)`, `size d = e / H`)
is not a polynomial: it stays a symbol of its own, and outputs give its
definition beside the count ("where R = ⌈D/16⌉"). A free `size rows` (a
feature map's height) is a symbol that no count may depend on.
"""

from __future__ import annotations

from . import ir
from .names import Scope
from .poly import Poly

# Sizes of real cells are small polynomials (`k*k*c` has degree 3). Bounding
# them keeps every count, and sympy's factoring of it, quick on any input:
# `(m + n + 1)*(m + n + 1)*...` thirty times over would take minutes.
MAX_SIZE_DEGREE = 8
MAX_SIZE_TERMS = 100


class SizeTooLarge(Exception):
    def __init__(self, dim, size: Poly):
        super().__init__(
            f"this size has degree {size.degree()} and {len(size.terms)} terms; a size may have "
            f"degree at most {MAX_SIZE_DEGREE} and at most {MAX_SIZE_TERMS} terms"
        )
        self.span = dim.span


class Sizes:
    def __init__(self, scope: Scope):
        self.scope = scope
        self.abbreviations: dict[str, Poly] = {}
        for name, decl in scope.sizes.items():
            definition = decl.definition
            if definition is not None and _polynomial(definition):
                self.abbreviations[name] = self.poly(definition)
            elif _splits_a_symbol(definition, scope) and definition.numerator.name not in self.abbreviations:
                # `size d = e / H`: inside the cell e is H*d, so that `heads(x, H)`
                # and `blockdiag(H, d, d)` on x : e agree; d keeps its definition.
                whole = definition.numerator.name
                self.abbreviations[whole] = self.poly(definition.denominator) * Poly.symbol(name)

    def poly(self, dim: ir.Dim) -> Poly:
        if isinstance(dim, ir.DimInt):
            return Poly.const(dim.value)
        if isinstance(dim, ir.DimName):
            return self.abbreviations.get(dim.name) or Poly.symbol(dim.name)
        if isinstance(dim, ir.DimProduct):
            result = Poly.const(1)
            for factor in dim.factors:
                result = _bounded(result * self.poly(factor), dim)
            return result
        if isinstance(dim, ir.DimSum):
            result = Poly(())
            for term, sign in zip(dim.terms, dim.signs, strict=True):
                result = result + self.poly(term) if sign > 0 else result - self.poly(term)
                result = _bounded(result, dim)
            return result
        raise AssertionError(f"not a polynomial size: {dim}")  # names allows / only in `size`

    def of_expr(self, node: ir.Expr) -> Poly:
        """A size written as an expression: a function's size argument (`heads(v, H)`)."""
        if isinstance(node, ir.Number):
            return Poly.const(int(node.text))
        if isinstance(node, ir.Name):
            return self.abbreviations.get(node.name) or Poly.symbol(node.name)
        parts = [self.of_expr(child) for child in ir.children(node)]
        if isinstance(node, ir.Product):
            result = Poly.const(1)
            for part in parts:
                result = _bounded(result * part, node)
            return result
        result = parts[0]
        for op, part in zip(node.ops, parts[1:], strict=True):
            result = _bounded(result + part if op == "+" else result - part, node)
        return result


def _splits_a_symbol(dim: ir.Dim | None, scope: Scope) -> bool:
    """`e / H` with e a header symbol: an exact split of one size into parts."""
    return (
        isinstance(dim, ir.DimQuotient)
        and isinstance(dim.numerator, ir.DimName)
        and dim.numerator.name in scope.symbols
        and _polynomial(dim.denominator)
    )


def _polynomial(dim: ir.Dim) -> bool:
    stack = [dim]
    while stack:
        node = stack.pop()
        if isinstance(node, (ir.DimQuotient, ir.DimCall)):
            return False
        stack.extend(ir.children(node))
    return True


def _bounded(size: Poly, dim) -> Poly:
    # Checked after every step, so no product ever grows past the bound first.
    if size.degree() > MAX_SIZE_DEGREE or len(size.terms) > MAX_SIZE_TERMS:
        raise SizeTooLarge(dim, size)
    return size


def derived(scope: Scope) -> dict[str, ir.Dim]:
    """The sizes that stay symbols of their own with a definition (`size R = ceil(D / 16)`)."""
    return {
        name: decl.definition
        for name, decl in scope.sizes.items()
        if decl.definition is not None and not _polynomial(decl.definition)
    }


def free(scope: Scope) -> set[str]:
    """The free extents (`size rows`), on which no count may depend."""
    return {name for name, decl in scope.sizes.items() if decl.definition is None}


def evaluate(definitions: dict[str, ir.Dim], values: dict[str, int]) -> dict[str, int]:
    """The derived sizes' values at the header's `values` (ValueError where a division
    is not exact there)."""
    known = dict(values)
    for name, dim in definitions.items():  # in order: a definition uses only earlier sizes
        known[name] = _value(dim, known, name)
    return {name: known[name] for name in definitions}


def _value(dim: ir.Dim, known: dict[str, int], name: str) -> int:
    if isinstance(dim, ir.DimInt):
        return dim.value
    if isinstance(dim, ir.DimName):
        return known[dim.name]
    if isinstance(dim, ir.DimProduct):
        result = 1
        for factor in dim.factors:
            result *= _value(factor, known, name)
        return result
    if isinstance(dim, ir.DimSum):
        return sum(s * _value(t, known, name) for t, s in zip(dim.terms, dim.signs, strict=True))
    if isinstance(dim, ir.DimCall):
        inner = dim.arg
        if isinstance(inner, ir.DimQuotient):
            a, b = _value(inner.numerator, known, name), _value(inner.denominator, known, name)
            return -(-a // b) if dim.func == "ceil" else a // b
        return _value(inner, known, name)
    a, b = _value(dim.numerator, known, name), _value(dim.denominator, known, name)
    if b == 0 or a % b:
        raise ValueError(f"size {name} = {a}/{b} is not a whole number")
    return a // b
