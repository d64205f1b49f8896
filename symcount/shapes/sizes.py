"""Sizes as written → polynomials: the header's symbols and the cell's own `size`s.

A `size` defined by a polynomial (`size I = E * D`) is an abbreviation and is
replaced by its definition, so counts come out in the header's symbols. One
defined with division or ceil/floor (`size R = ceil(D / 16)`, `size d = e / H`)
is not a polynomial: it stays a symbol of its own, and outputs give its
definition beside the count ("where R = ⌈D/16⌉"). A free `size rows` (a
feature map's height) is a symbol that no count may depend on.

`SizePrinter` prints a size back as the cell language writes it: for
`symcount fmt`, the equations and the error messages here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction

from .. import ir, visit
from ..errors import Unlocated
from ..poly import Poly
from ..resolve.scope import Scope
from ..visit import Visitor
from .unify import divide, nonnegative, poly_of

# Sizes of real cells are small polynomials (`k*k*c` has degree 3). Bounding
# them keeps every count, and sympy's factoring of it, quick on any input:
# `(m + n + 1)*(m + n + 1)*...` thirty times over would take minutes.
MAX_SIZE_DEGREE = 8
MAX_SIZE_TERMS = 100


class SizeProblem(Unlocated):
    """A size that cannot be (too large, a division by zero): `shapes` locates it at `span`."""


class SizeTooLarge(SizeProblem):
    def __init__(self, dim, size: Poly):
        super().__init__(
            f"this size has degree {size.degree()} and {len(size.terms)} terms; a size may have "
            f"degree at most {MAX_SIZE_DEGREE} and at most {MAX_SIZE_TERMS} terms",
            dim.span,
        )


class Sizes(visit.Visitor):
    """Sizes → exact polynomials in the header's symbols, a rule per node of a
    size: a size as written (`ir.Dim`), or a function's size argument written as
    an expression (`heads(v, H)`), which `calls.is_size` let through.

    A derived size defined by exact division stays a symbol, but is tied to its
    definition wherever sizes are compared (`same`, `divide`): with `size I = p*e`,
    `size dh = I / H` and `size nb = I / B`, the sizes H*dh, B*nb and p*e are one
    (docs/language.md, "Sizes").
    """

    def __init__(self, scope: Scope):
        self.scope = scope
        self._values: dict | None = None  # see `_exact`
        self._names: set[str] = set()
        self._written: dict[Poly, Poly | None] = {}
        self.abbreviations: dict[str, Poly] = {}
        for name, decl in scope.sizes.items():
            definition = decl.definition
            if definition is None:
                continue
            if _polynomial(definition):
                self.abbreviations[name] = self.poly(definition)
                continue
            self._check_divisions(definition)
            if _splits_a_symbol(definition, scope) and definition.numerator.name not in self.abbreviations:
                # `size d = e / H`: inside the cell e is H*d, so that `heads(x, H)`
                # and `blockdiag(H, d, d)` on x : e agree; d keeps its definition.
                whole = definition.numerator.name
                self.abbreviations[whole] = self.poly(definition.denominator) * Poly.symbol(name)

    def _check_divisions(self, dim: ir.Dim) -> None:
        """A derived size never divides by a size that is never positive (0, n - n)."""
        stack = [dim]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.DimQuotient) and _polynomial(node.denominator):
                below = self.poly(node.denominator)
                if not below.terms:
                    raise SizeProblem("division by zero: the divisor is 0", node.denominator.span)
                if all(coeff <= 0 for _, coeff in below.terms):
                    raise SizeProblem(
                        f"division by {below}, which is never positive (sizes are positive)",
                        node.denominator.span,
                    )
            stack.extend(ir.children(node))

    # ---- derived sizes tied to their definitions ----

    def same(self, a: Poly, b: Poly) -> bool:
        """Whether two sizes are one, every exact derived size read as its definition."""
        return a == b or self.written(a - b) == Poly(())

    def plain(self, size: Poly) -> Poly:
        """`size` in the header's symbols where its derived sizes allow (H*dh is p*e where
        `size dh = I / H` and `size I = p*e`), else as it is."""
        return self.written(size) or size

    def written(self, size: Poly) -> Poly | None:
        """`size` with each exact derived size replaced by its definition, if that gives
        a polynomial; a header symbol split by one (`size d = e / H`) stays H*d, as
        everywhere in the cell. None also for a size that reads no such derived size."""
        values = self._exact()
        if not values or not size.symbols() & self._names:
            return None
        if size not in self._written:
            import sympy

            from ..symbols import to_sympy

            poly = poly_of(sympy.cancel(to_sympy(size).subs(values)))
            self._written[size] = None if poly is None else self._within(poly)
        return self._written[size]

    def _within(self, size: Poly) -> Poly:
        """A size in the header's symbols as the cell writes it: each split symbol (`e`
        with `size d = e / H`) as H*d."""
        return size.substitute({k: v for k, v in self.abbreviations.items() if k in self.scope.symbols})

    def divide(self, whole: Poly, part: Poly) -> Poly | None:
        """`whole` / `part` as a size: a polynomial in the header's symbols and the
        derived sizes (`p*e / H` is `dh` where `size dh = I / H`), else None."""
        quotient = divide(whole, part)
        values = self._exact()
        if quotient is not None or not values:
            return quotient
        import sympy

        from ..symbols import to_sympy

        ratio = sympy.cancel(to_sympy(whole).subs(values) / to_sympy(part).subs(values))
        for name, value in [(None, sympy.Integer(1)), *values.items()]:
            rest = poly_of(sympy.cancel(ratio / value))
            if rest is not None:
                rest = self._within(rest)
                return rest if name is None else rest * Poly.symbol(str(name))
        return None

    def plainness(self, size: Poly) -> tuple[int, int, str]:
        """How far `size` is from the header's symbols (smaller is plainer): its derived
        sizes, then its length; the text breaks ties, so the order sizes meet never matters."""
        text = str(size)
        return len(size.symbols() - set(self.scope.symbols)), len(text), text

    def nonnegative(self, size: Poly) -> bool:
        """Whether `size` is ≥ 0 at every value of its symbols, provably (`unify.nonnegative`),
        every exact derived size read as its definition where that gives a polynomial."""
        if nonnegative(size):
            return True
        written = self.written(size)
        return written is not None and nonnegative(written)

    def _exact(self) -> dict:
        """Each derived size defined without ceil/floor, as its definition in the header's
        symbols (sympy): `dh` is p*e/H. Made on first use: cells without are never slowed."""
        if self._values is None:
            self._values = {}
            definitions = {n: d.definition for n, d in self.scope.sizes.items() if d.definition is not None}
            if any(not _polynomial(d) for d in definitions.values()):
                from ..symbols import dim_expr, size_symbol, to_sympy

                for name, definition in definitions.items():
                    if _polynomial(definition):
                        value = to_sympy(self.abbreviations[name])
                    elif not any(isinstance(n, ir.DimCall) for n in ir.walk(definition)):
                        value = dim_expr(definition)
                    else:
                        continue  # ceil and floor: a size of its own
                    self._values[size_symbol(name)] = value.subs(self._values)
                self._values = {k: v for k, v in self._values.items() if not v.is_polynomial()}
            self._names = {str(k) for k in self._values}
        return self._values

    def poly(self, dim: ir.Dim) -> Poly:
        """A polynomial size (division and ceil/floor have no rule: `resolve.names`
        allows them only in a `size` definition, which stays a symbol)."""
        return self.visit(dim)

    def of_expr(self, node: ir.Expr) -> Poly:
        """A size written as an expression: a function's size argument (`heads(v, H)`)."""
        return self.visit(node)

    def visit_DimInt(self, dim: ir.DimInt) -> Poly:
        return Poly.const(dim.value)

    def visit_Number(self, node: ir.Number) -> Poly:
        return Poly.const(int(node.text))

    def visit_DimName(self, node: ir.DimName | ir.Name) -> Poly:
        return self.abbreviations.get(node.name) or Poly.symbol(node.name)

    visit_Name = visit_DimName

    # A size's parts are combined as they are worked out; a size argument's are
    # all worked out first (a list, not a generator), so that a part too large
    # is reported before the whole is.

    def visit_DimProduct(self, dim: ir.DimProduct) -> Poly:
        return _product((self.visit(f) for f in dim.factors), dim)

    def visit_Product(self, node: ir.Product) -> Poly:
        return _product([self.visit(f) for f in node.factors], node)  # no `/`: `calls.is_size`

    def visit_DimSum(self, dim: ir.DimSum) -> Poly:
        return _sum((self.visit(t) for t in dim.terms), dim.signs, dim)

    def visit_Sum(self, node: ir.Sum) -> Poly:
        signs = (1, *(1 if op == "+" else -1 for op in node.ops))
        return _sum([self.visit(t) for t in node.terms], signs, node)


def _splits_a_symbol(dim: ir.Dim | None, scope: Scope) -> bool:
    """`e / H` with e a header symbol: an exact split of one size into parts."""
    return (
        isinstance(dim, ir.DimQuotient)
        and isinstance(dim.numerator, ir.DimName)
        and dim.numerator.name in scope.symbols
        and _polynomial(dim.denominator)
    )


def _polynomial(dim: ir.Dim) -> bool:
    return not any(isinstance(node, (ir.DimQuotient, ir.DimCall)) for node in ir.walk(dim))


def _product(factors: Iterable[Poly], node: ir.Node) -> Poly:
    result = Poly.const(1)
    for factor in factors:
        result = _bounded(result * factor, node)
    return result


def _sum(terms: Iterable[Poly], signs: tuple[int, ...], node: ir.Node) -> Poly:
    result = Poly(())
    for term, sign in zip(terms, signs, strict=True):
        result = _bounded(result + term if sign > 0 else result - term, node)
    return result


def _bounded(size: Poly, dim) -> Poly:
    # Checked after every step, so no product ever grows past the bound first.
    if size.degree() > MAX_SIZE_DEGREE or len(size.terms) > MAX_SIZE_TERMS:
        raise SizeTooLarge(dim, size)
    return size


def derived(scope: Scope) -> dict[str, ir.Dim]:
    """The sizes that stay symbols of their own with a definition (`size R = ceil(D / 16)`).

    A polynomial size a definition reads is an abbreviation, written out as
    everywhere else: with `size I = p*e`, `size dh = I / H` is dh = p*e / H.
    """
    written = _WrittenOut(scope)
    return {
        name: written.visit(decl.definition)
        for name, decl in scope.sizes.items()
        if decl.definition is not None and not _polynomial(decl.definition)
    }


class _WrittenOut(visit.Transformer):
    """A size with each polynomial `size` it reads replaced by its definition."""

    def __init__(self, scope: Scope):
        self.abbreviations = {
            name: decl.definition
            for name, decl in scope.sizes.items()
            if decl.definition is not None and _polynomial(decl.definition)
        }

    def visit_DimName(self, dim: ir.DimName) -> ir.Dim:
        definition = self.abbreviations.get(dim.name)
        return dim if definition is None else self.visit(definition)


def free(scope: Scope) -> set[str]:
    """The free extents (`size rows`), on which no count may depend."""
    return {name for name, decl in scope.sizes.items() if decl.definition is None}


class SizeValueError(ValueError):
    """A derived size that is no positive whole number at the sizes given; `size` names it
    (a plot groups the sizes it skips by it)."""

    def __init__(self, message: str, size: str):
        super().__init__(message)
        self.size = size


def evaluate(definitions: dict[str, ir.Dim], values: dict[str, int]) -> dict[str, int]:
    """The derived sizes' values at the header's `values`.

    Division outside ceil/floor must be exact (`size d = e / H`: H divides e);
    inside them it is a real division (`ceil(D / 16 / 2)` is ⌈D/32⌉). A size
    that is not a whole number, divides by zero or is less than 1 raises
    SizeValueError (a ValueError) that names it, its definition and the sizes it read.
    """
    known = dict(values)
    fraction = _Fraction(known)
    for name, dim in definitions.items():  # in order: a definition uses only earlier sizes
        try:
            value = fraction.visit(dim, True)
            if value < 1:
                raise _NotASize(f"is {value}; a size is at least 1")
        except _NotASize as e:
            used = sorted(k for k in _names(dim) if k in known)
            at = ", ".join(f"{k}={known[k]}" for k in used)
            message = f"size {name} = {dim_text(dim)} {e}" + (f" at {at}" if at else "")
            raise SizeValueError(message, name) from None
        known[name] = int(value)
    return {name: known[name] for name in definitions}


class _NotASize(Exception):
    pass


class SizePrinter(Visitor):
    """A size in the cell language, in the order written: `2*n`, `k*(m + n)`, `ceil(D / 16)`.

    The one printer of sizes: `symcount fmt`, the equations' slices and error
    messages use it, and the LaTeX notation (`render.tex`) overrides what
    differs. The parser drops parentheses; this puts back those the operators
    need, so what it prints parses to the same size: `+ -` and `* /` group to
    the left, so a later operand of the same precedence keeps its parentheses
    (`m - (n + k)`, `e / (H*2)`).
    """

    TIMES = "*"
    DIVIDE = " / "

    def visit_DimInt(self, dim: ir.DimInt) -> str:
        return str(dim.value)

    def visit_DimName(self, dim: ir.DimName) -> str:
        return dim.name

    def visit_DimCall(self, dim: ir.DimCall) -> str:
        return f"{dim.func}({self.visit(dim.arg)})"

    def visit_DimSum(self, dim: ir.DimSum) -> str:
        text = self.operand(dim.terms[0], dim, 0)
        for index, (sign, term) in enumerate(zip(dim.signs[1:], dim.terms[1:], strict=True), start=1):
            text += (" + " if sign > 0 else " - ") + self.operand(term, dim, index)
        return text

    def visit_DimProduct(self, dim: ir.DimProduct) -> str:
        text = self.operand(dim.factors[0], dim, 0)
        for index, factor in enumerate(dim.factors[1:], start=1):
            piece = self.operand(factor, dim, index)
            text += self.times(text, piece) + piece
        return text

    def visit_DimQuotient(self, dim: ir.DimQuotient) -> str:
        return self.operand(dim.numerator, dim, 0) + self.DIVIDE + self.operand(dim.denominator, dim, 1)

    def times(self, left: str, right: str) -> str:
        """What goes between two printed factors."""
        return self.TIMES

    def operand(self, child: ir.Dim, parent: ir.Dim, index: int) -> str:
        """The `index`-th operand of `parent`, parenthesized if it binds too loosely."""
        text = self.visit(child)
        return f"({text})" if self.needs_parens(child, parent, index) else text

    def needs_parens(self, child: ir.Dim, parent: ir.Dim, index: int) -> bool:
        mine, theirs = _BINDING.get(type(child), _ATOM), _BINDING[type(parent)]
        return mine < theirs or (mine == theirs and index > 0)


_BINDING = {ir.DimSum: 1, ir.DimProduct: 2, ir.DimQuotient: 2}
_ATOM = 3  # a name, a number, a call


class _MessageSizes(SizePrinter):
    """Sizes in error messages, `*` spaced as the other operators are: `e / (H * 2)`."""

    TIMES = " * "


_MESSAGE_SIZES = _MessageSizes()


def dim_text(dim: ir.Dim) -> str:
    """A size as messages write it (`e / (H * 2)`)."""
    return _MESSAGE_SIZES.visit(dim)


def _names(dim: ir.Dim) -> set[str]:
    return {node.name for node in ir.walk(dim) if isinstance(node, ir.DimName)}


class _Fraction(visit.Visitor):
    """A size's exact value at the sizes `known`: a rule per size node, each
    told whether a division must come out whole (`exact`: not inside ceil/floor)."""

    def __init__(self, known: dict[str, int]):
        self.known = known

    def visit_DimInt(self, dim: ir.DimInt, exact: bool) -> Fraction:
        return Fraction(dim.value)

    def visit_DimName(self, dim: ir.DimName, exact: bool) -> Fraction:
        return Fraction(self.known[dim.name])

    def visit_DimProduct(self, dim: ir.DimProduct, exact: bool) -> Fraction:
        result = Fraction(1)
        for factor in dim.factors:
            result *= self.visit(factor, exact)
        return result

    def visit_DimSum(self, dim: ir.DimSum, exact: bool) -> Fraction:
        return sum(
            (s * self.visit(t, exact) for t, s in zip(dim.terms, dim.signs, strict=True)),
            Fraction(0),
        )

    def visit_DimCall(self, dim: ir.DimCall, exact: bool) -> Fraction:
        inner = self.visit(dim.arg, False)
        return Fraction(math.ceil(inner) if dim.func == "ceil" else math.floor(inner))

    def visit_DimQuotient(self, dim: ir.DimQuotient, exact: bool) -> Fraction:
        a = self.visit(dim.numerator, exact)
        b = self.visit(dim.denominator, exact)
        if b == 0:
            raise _NotASize(f"divides by zero ({_shown(a)}/0)")
        if exact and (a / b).denominator != 1:
            raise _NotASize(f"is not a whole number ({_shown(a)}/{_shown(b)})")
        return a / b


def _shown(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"({value})"
