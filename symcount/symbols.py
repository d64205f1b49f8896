"""Sizes as sympy expressions: the only module that makes sympy symbols.

Sizes are positive integers; a symbol with any other assumptions would be a
different symbol to sympy and break cancellation, so every symbol comes from
`size_symbol` here, and every exact `Poly` becomes sympy through `to_sympy`
(and a polynomial count back a `Poly` through `to_poly`, to be evaluated).
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import sympy

from . import ir, visit
from .poly import Monomial, Poly


@cache
def size_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True, positive=True)


def real(expr: sympy.Expr) -> sympy.Expr:
    """`expr` with every size symbol a real positive one (not an integer): what
    `sympy.solve` can solve for a size, which it cannot for an integer symbol."""
    return expr.xreplace({s: sympy.Symbol(s.name, positive=True) for s in expr.free_symbols})


@lru_cache(maxsize=4096)
def to_sympy(poly: Poly) -> sympy.Expr:
    # Cached: the parameters of a cell share a handful of shapes ((n, m),
    # (n, n), n), and building sympy expressions is the slow part of a count.
    terms = []
    for mono, coeff in poly.terms:
        factors = [size_symbol(name) ** power for name, power in mono]
        terms.append(sympy.Mul(sympy.Integer(coeff), *factors))
    return sympy.Add(*terms)


def to_poly(expr: sympy.Expr) -> tuple[Poly, int] | None:
    """An expanded sympy expression back as an exact integer polynomial over a
    whole denominator, `(P, d)` for P/d (`m*n/2`, int4's half bytes, is
    `(m*n, 2)`); None when it is none (a product of sums, a `ceiling`, a
    negative power): evaluation then substitutes instead.

    >>> to_poly(size_symbol("m") * size_symbol("n") / 2 + 3)
    (Poly(terms=(((), 6), ((('m', 1), ('n', 1)), 1))), 2)
    """
    terms: list[tuple[Monomial, sympy.Rational]] = []
    for term in sympy.Add.make_args(expr):
        coeff, rest = term.as_coeff_Mul()
        if not coeff.is_Rational:
            return None
        mono = []
        for factor in sympy.Mul.make_args(rest) if rest != 1 else ():
            base, power = factor.as_base_exp()
            if not (base.is_Symbol and power.is_Integer and power > 0):
                return None
            mono.append((base.name, int(power)))
        terms.append((tuple(sorted(mono)), coeff))
    denominator = math.lcm(*(int(c.q) for _, c in terms))
    whole = {mono: int(c * denominator) for mono, c in terms if c != 0}
    return Poly(tuple(sorted(whole.items()))), denominator


# sympy's factoring time grows fast with the number of terms; a count longer
# than this (only contrived cells have one) is given expanded instead.
MAX_FACTOR_TERMS = 300


def factored(expr: sympy.Expr) -> sympy.Expr:
    if len(sympy.Add.make_args(expr)) > MAX_FACTOR_TERMS:
        return expr
    return sympy.factor(expr)


class _DimExpr(visit.Visitor):
    """A size as written → sympy, one rule per size node."""

    def visit_DimInt(self, dim: ir.DimInt) -> sympy.Expr:
        return sympy.Integer(dim.value)

    def visit_DimName(self, dim: ir.DimName) -> sympy.Expr:
        return size_symbol(dim.name)

    def visit_DimProduct(self, dim: ir.DimProduct) -> sympy.Expr:
        return sympy.Mul(*(self.visit(f) for f in dim.factors))

    def visit_DimSum(self, dim: ir.DimSum) -> sympy.Expr:
        return sympy.Add(*(s * self.visit(t) for t, s in zip(dim.terms, dim.signs, strict=True)))

    def visit_DimQuotient(self, dim: ir.DimQuotient) -> sympy.Expr:
        return self.visit(dim.numerator) / self.visit(dim.denominator)

    def visit_DimCall(self, dim: ir.DimCall) -> sympy.Expr:
        func = {"ceil": sympy.ceiling, "floor": sympy.floor}[dim.func]
        return func(self.visit(dim.arg))


_DIM_EXPR = _DimExpr()


def dim_expr(dim: ir.Dim) -> sympy.Expr:
    """A size as written (`ceil(D / 16)`, `e / H`) as a sympy expression."""
    return _DIM_EXPR.visit(dim)
