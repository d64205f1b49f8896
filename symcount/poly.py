"""Integer polynomials in size symbols, kept canonical so `==` is exact.

Shape inference compares sizes many times (every `+` between two vectors);
doing that with sympy would be slow for cells with thousands of gates. A
size here is a mapping monomial → coefficient, where a monomial is a sorted
tuple of (symbol name, power). `symbols.py` turns the final ones into sympy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Monomial = tuple[tuple[str, int], ...]
_ONE = (((), 1),)  # the terms of the constant 1


@dataclass(frozen=True)
class Poly:
    terms: tuple[tuple[Monomial, int], ...]  # sorted, no zero coefficients

    @staticmethod
    def _make(mapping: Mapping[Monomial, int]) -> Poly:
        return Poly(tuple(sorted((m, c) for m, c in mapping.items() if c != 0)))

    @staticmethod
    def const(value: int) -> Poly:
        return Poly._make({(): value})

    @staticmethod
    def symbol(name: str) -> Poly:
        return Poly((((((name, 1),)), 1),))

    def __add__(self, other: Poly) -> Poly:
        out = dict(self.terms)
        for mono, coeff in other.terms:
            out[mono] = out.get(mono, 0) + coeff
        return Poly._make(out)

    def __neg__(self) -> Poly:
        return Poly(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other: Poly) -> Poly:
        return self + (-other)

    @staticmethod
    def sum(polys: Iterable[Poly]) -> Poly:
        """The sum of many polynomials, added up in one dictionary."""
        out: dict[Monomial, int] = {}
        for poly in polys:
            for mono, coeff in poly.terms:
                out[mono] = out.get(mono, 0) + coeff
        return Poly._make(out)

    def __mul__(self, other: Poly) -> Poly:
        # A factor of 1 is common (one copy of a layer; the start of a
        # product of sizes) and is worth skipping for cells of many parameters.
        if self.terms == _ONE:
            return other
        if other.terms == _ONE:
            return self
        out: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                mono = _mono_mul(m1, m2)
                out[mono] = out.get(mono, 0) + c1 * c2
        return Poly._make(out)

    def symbols(self) -> set[str]:
        return {name for mono, _ in self.terms for name, _ in mono}

    def degree(self) -> int:
        return max((sum(power for _, power in mono) for mono, _ in self.terms), default=0)

    def substitute(self, values: Mapping[str, Poly]) -> Poly:
        """Replace symbols by polynomials (used to re-size a stacked layer)."""
        total = Poly(())
        for mono, coeff in self.terms:
            term = Poly.const(coeff)
            for name, power in mono:
                base = values.get(name, Poly.symbol(name))
                for _ in range(power):
                    term = term * base
            total = total + term
        return total

    def evaluate(self, values: Mapping[str, int]) -> int:
        total = 0
        for mono, coeff in self.terms:
            term = coeff
            for name, power in mono:
                term *= values[name] ** power
            total += term
        return total

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts = []
        for mono, coeff in reversed(self.terms):
            factors = [name if p == 1 else f"{name}**{p}" for name, p in mono]
            if abs(coeff) != 1 or not factors:
                factors.insert(0, str(abs(coeff)))
            parts.append(("- " if coeff < 0 else "+ ") + "*".join(factors))
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else "-" + text[2:]


def _mono_mul(a: Monomial, b: Monomial) -> Monomial:
    powers = dict(a)
    for name, p in b:
        powers[name] = powers.get(name, 0) + p
    return tuple(sorted(powers.items()))
