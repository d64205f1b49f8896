"""Sizes as written → polynomials: the header's symbols and the cell's own `size`s.

A `size` defined by a polynomial (`size I = E * D`) is an abbreviation and is
replaced by its definition, so counts come out in the header's symbols. One
defined with division or ceil/floor (`size R = ceil(D / 16)`, `size d = e / H`)
is not a polynomial: it stays a symbol of its own, and outputs give its
definition beside the count ("where R = ⌈D/16⌉"). A free `size rows` (a
feature map's height) is a symbol that no count may depend on, and so is a
size defined from one (`size half = ceil(rows / 2)`): neither ever has a value.

Sizes are positive (docs/language.md, "Sizes"): a written size that never is
(`m - m`) is an error here; one that is positive at some sizes only
(`size k = m - n`) is a `Check`, made wherever sizes are given (`evaluate`).

A later layer of a stack reads an input of another width (docs/language.md,
"Stacked layers"): `Sizes(scope, given)` reads every size with the input's size
symbol standing for that width, and a derived size that reads it is the
layer's own (R is `R_2 = ceil(n / 16)` in layer 2).

`SizePrinter` prints a size back as the cell language writes it: for
`symcount fmt`, the equations and the error messages here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

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


@dataclass(frozen=True)
class Check:
    """A size that is positive at some sizes only (`m - n`): checked wherever sizes
    are given (`evaluate`), as a derived size's value is."""

    size: Poly
    what: str  # how messages name it: "size k = m - n", "size m - n (of parameter 'b')"
    key: str  # what a plot groups the sizes it skips by: the size's name, else the size
    span: ir.Span  # where it is defined, or comes from
    most: int | None = None  # a bound above too (the layers of a stack whose count is r**L)
    least: int = 1  # 0 for a number of copies (`layer lstm(n, n) * (L - 2)` at L = 2)


class Derived(dict):
    """The derived sizes that stay symbols, name → definition in the header's symbols
    (and earlier derived sizes), in the order defined; `checks`, the sizes positive
    at some sizes only, checked with them (`evaluate`); and `origins`, what a later
    layer's own derived size is (`d_2` → "d in layer 2").

    A dict, so that every reader of the definitions reads it as one.
    """

    def __init__(
        self,
        definitions: Mapping[str, ir.Dim] | None = None,
        checks: Iterable[Check] = (),
        origins: Mapping[str, str] | None = None,
    ):
        super().__init__(definitions or {})
        self.checks = tuple(checks)
        self.origins = dict(origins or {})

    def described(self, key: str) -> Described:
        """How messages name the size `key` (a derived size's name or a check's key),
        the sizes it reads, where it is defined and what its values must be."""
        whole = "is not a positive whole number"
        if key in self:
            origin = f" ({self.origins[key]})" if key in self.origins else ""
            dim = self[key]
            return Described(f"size {key} = {dim_text(dim)}{origin}", _names(dim), dim.span, whole)
        check = next(c for c in self.checks if c.key == key)
        if check.most is not None:
            wrong = f"is not a whole number from {check.least} to {check.most:,}"
        else:
            wrong = whole if check.least == 1 else f"is not a whole number of at least {check.least}"
        return Described(check.what, check.size.symbols(), check.span, wrong)


class Described(NamedTuple):
    """A size as messages name it (`Derived.described`)."""

    what: str  # "size d = n / H", "size m - n (of parameter 'b')"
    reads: set[str]  # the sizes its value depends on
    span: ir.Span  # where it is defined
    wrong: str  # what a value it must not have is: "is not a positive whole number"


def positive(size: Poly) -> bool:
    """Whether `size` is at least 1 at every size (each symbol at least 1)."""
    if size.terms and all(coeff > 0 for _, coeff in size.terms):
        return True  # the common case, without expanding
    return nonnegative(size - Poly.const(1))


def never_positive(size: Poly) -> bool:
    """Whether `size` is at most 0 at every size (`0`, `n - 2*n`, `m - m*m`)."""
    return nonnegative(-size)


class _Polynomials(visit.Visitor):
    """A polynomial size → its `Poly`, a rule per node: a size as written (`ir.Dim`),
    or a function's size argument written as an expression (`heads(v, H)`), which
    `calls.is_size` let through. A name reads as its abbreviation, if it has one."""

    abbreviations: Mapping[str, Poly] = {}
    renamed: Mapping[str, str] = {}

    def visit_DimInt(self, dim: ir.DimInt) -> Poly:
        return Poly.const(dim.value)

    def visit_Number(self, node: ir.Number) -> Poly:
        return Poly.const(int(node.text))

    def visit_DimName(self, node: ir.DimName | ir.Name) -> Poly:
        if node.name in self.abbreviations:
            return self.abbreviations[node.name]
        return Poly.symbol(self.renamed.get(node.name, node.name))

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


class Sizes(_Polynomials):
    """Sizes → exact polynomials in the header's symbols (and the derived sizes that
    stay symbols), for one cell or one layer of a stack.

    `given` gives header symbols the sizes they stand for in this layer (the
    input's `m` is the width a later layer reads), and `rename` names a derived
    size that then differs (R → R_2). After construction: `definitions` (the
    derived sizes that stay symbols, with their definitions in the header's
    symbols), `extents` (each free extent, and each size defined from one, with
    the free extent it reads) and `checks` (the written sizes positive at some
    sizes only).

    A derived size defined by exact division stays a symbol, but is tied to its
    definition wherever sizes are compared (`same`, `divide`): with `size I = p*e`,
    `size dh = I / H` and `size nb = I / B`, the sizes H*dh, B*nb and p*e are one
    (docs/language.md, "Sizes").
    """

    def __init__(
        self,
        scope: Scope,
        given: Mapping[str, Poly] | None = None,
        rename: Callable[[str], str] | None = None,
    ):
        self.scope = scope
        self.abbreviations: dict[str, Poly] = dict(given or {})
        self.renamed: dict[str, str] = {}  # a derived size → its name in this layer
        self.definitions: dict[str, ir.Dim] = {}
        self.extents: dict[str, str] = {}
        self.checks: list[Check] = []
        self._given = set(self.abbreviations)
        self._rename = rename
        # A name → the size it stands for, as written, in the definitions this
        # layer evaluates: a given symbol's width, an abbreviation's definition.
        self._as_written: dict[str, ir.Dim] = {
            name: _dim_of(size, scope.symbols[name].span) for name, size in self.abbreviations.items()
        }
        self._moved = set(self._given)  # sizes this layer gives another size than the cell's
        self._split: set[str] = set()  # header symbols split by a derived size (e is H*d)
        # Each derived size that stays a symbol here (free extents' too), with its
        # definition as this layer writes it, and what `_exact` makes of them.
        self._tied: dict[str, ir.Dim] = {}
        self._values: dict | None = None
        self._names: set[str] = set()
        self._plain: dict[Poly, Poly | None] = {}
        for name, decl in scope.sizes.items():
            if decl.definition is None:
                self.extents[name] = name
            elif _polynomial(decl.definition):
                self._abbreviate(name, decl)
            else:
                self._derive(name, decl)

    def _abbreviate(self, name: str, decl: ir.SizeDecl) -> None:
        """`size I = E * D`: I reads as its definition."""
        definition = decl.definition
        size = self.abbreviations[name] = self.poly(definition)
        self._as_written[name] = self._rewritten(definition)
        if _names(definition) & self._moved:
            self._moved.add(name)
        text = dim_text(self._as_written[name] if name in self._moved else definition)
        if never_positive(size):
            raise SizeProblem(
                f"size {name} = {text} is {size}, which is never positive (sizes are positive)",
                definition.span,
            )
        # A size of a free extent has no value to check it at.
        if not self._reads_extent(name, definition) and not positive(size):
            self.checks.append(Check(size, f"size {name} = {text}", name, decl.span))

    def _derive(self, name: str, decl: ir.SizeDecl) -> None:
        """`size R = ceil(D / 16)`: a symbol of its own, with its definition (in a
        later layer, R_2 with R's definition at that layer's input, unless that
        comes out a polynomial: `2*H*d / H` is 2*d)."""
        definition = decl.definition
        self._check_divisions(definition)
        written = self._rewritten(definition)
        if self._reads_extent(name, definition):
            self._tied[name] = written  # a size of values, tied as any; never counted
            return
        here = name
        if _names(definition) & self._moved:
            self._moved.add(name)
            exact = _as_polynomial(written)
            if exact is not None:
                self.abbreviations[name] = exact
                self._as_written[name] = _dim_of(exact, definition.span)
                return
            here = self.renamed[name] = self._rename(name)
            self._as_written[name] = ir.DimName(here, decl.name_span)
        self.definitions[here] = self._tied[here] = written
        if _splits_a_symbol(definition, self.scope):
            # `size d = e / H`: inside the cell e is H*d, so that `heads(x, H)`
            # and `blockdiag(H, d, d)` on x : e agree; d keeps its definition.
            whole = definition.numerator.name
            if whole not in self._split and (whole not in self.abbreviations or whole in self._given):
                self._split.add(whole)
                self.abbreviations[whole] = self.poly(definition.denominator) * Poly.symbol(here)

    def _reads_extent(self, name: str, definition: ir.Dim) -> bool:
        """Whether `name`'s definition reads a free extent: then it is one too."""
        extent = next((self.extents[r] for r in sorted(_names(definition)) if r in self.extents), None)
        if extent is not None:
            self.extents[name] = extent
        return extent is not None

    def _rewritten(self, dim: ir.Dim) -> ir.Dim:
        """A definition in the header's symbols, as this layer reads it."""
        return _Written(self._as_written).visit(dim) if self._as_written else dim

    def _check_divisions(self, dim: ir.Dim) -> None:
        """A derived size never divides by a size that is never positive (0, n - n)."""
        stack = [dim]
        while stack:
            node = stack.pop()
            if isinstance(node, ir.DimQuotient) and _polynomial(node.denominator):
                below = self.poly(node.denominator)
                if not below.terms:
                    raise SizeProblem("division by zero: the divisor is 0", node.denominator.span)
                if never_positive(below):
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
        if size not in self._plain:
            import sympy

            from ..symbols import to_sympy

            poly = poly_of(sympy.cancel(to_sympy(size).subs(values)))
            self._plain[size] = None if poly is None else self._within(poly)
        return self._plain[size]

    def _within(self, size: Poly) -> Poly:
        """A size in the header's symbols as the cell writes it: each split symbol (`e`
        with `size d = e / H`) as H*d."""
        return size.substitute({k: self.abbreviations[k] for k in self._split})

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
            if self._tied:
                from ..symbols import dim_expr, size_symbol

                for name, definition in self._tied.items():
                    if not any(isinstance(n, ir.DimCall) for n in ir.walk(definition)):
                        self._values[size_symbol(name)] = dim_expr(definition).subs(self._values)
                # A definition that is an integer polynomial was made an abbreviation;
                # one with a fraction (I / 4, where a model gives B = 4) is kept.
                self._values = {k: v for k, v in self._values.items() if poly_of(v) is None}
            self._names = {str(k) for k in self._values}
        return self._values

    def poly(self, dim: ir.Dim) -> Poly:
        """A polynomial size (division and ceil/floor have no rule: `resolve.names`
        allows them only in a `size` definition, which stays a symbol)."""
        return self.visit(dim)

    def of_expr(self, node: ir.Expr) -> Poly:
        """A size written as an expression: a function's size argument (`heads(v, H)`)."""
        return self.visit(node)


class _Written(visit.Transformer):
    """A size with names replaced by the sizes they stand for, as written."""

    def __init__(self, names: Mapping[str, ir.Dim]):
        self.names = names

    def visit_DimName(self, dim: ir.DimName) -> ir.Dim:
        return self.names.get(dim.name, dim)


class _Inexact(Exception):
    pass


class _Exact(_Polynomials):
    """A derived size's definition as a polynomial, when each division in it is exact."""

    def visit_DimQuotient(self, dim: ir.DimQuotient) -> Poly:
        quotient = divide(self.visit(dim.numerator), self.visit(dim.denominator))
        if quotient is None:
            raise _Inexact()
        return quotient

    def visit_DimCall(self, dim: ir.DimCall) -> Poly:
        return self.visit(dim.arg)  # ceil and floor of a whole number


def _as_polynomial(dim: ir.Dim) -> Poly | None:
    try:
        return _Exact().visit(dim)
    except _Inexact:
        return None


def size_text(size: Poly) -> str:
    """A polynomial size as messages write it, added terms first: `m - n`."""
    return dim_text(_dim_of(size, ir.Span(0, 0, 0, 0)))


def _dim_of(size: Poly, span: ir.Span) -> ir.Dim:
    """A polynomial as a size as written (`2*n`, `m + n`), placed at `span`: a later
    layer's input width inside the definitions of its derived sizes."""
    terms: list[ir.Dim] = []
    signs: list[int] = []
    for mono, coeff in sorted(size.terms, key=lambda term: (term[1] < 0, term[0] == ())):
        factors: list[ir.Dim] = [ir.DimName(name, span) for name, power in mono for _ in range(power)]
        if abs(coeff) != 1 or not factors:
            factors.insert(0, ir.DimInt(abs(coeff), span))
        terms.append(factors[0] if len(factors) == 1 else ir.DimProduct(tuple(factors), span))
        signs.append(1 if coeff > 0 else -1)
    if not terms or signs[0] < 0:  # a sum starts with a term added
        terms.insert(0, ir.DimInt(0, span))
        signs.insert(0, 1)
    return terms[0] if len(terms) == 1 else ir.DimSum(tuple(terms), tuple(signs), span)


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


class SizeValueError(ValueError):
    """A size that is no positive whole number at the sizes given; `size` names it
    (a derived size's name, a check's key: a plot groups the sizes it skips by it)."""

    def __init__(self, message: str, size: str):
        super().__init__(message)
        self.size = size


def evaluate(derived: Mapping[str, ir.Dim], values: Mapping[str, int]) -> dict[str, int]:
    """The derived sizes' values at the header's `values`.

    Division outside ceil/floor must be exact (`size d = e / H`: H divides e);
    inside them it is a real division (`ceil(D / 16 / 2)` is ⌈D/32⌉). A size
    that is not a whole number, divides by zero or is less than 1 raises
    SizeValueError (a ValueError) that names it, its definition and the sizes it
    read; so does each of `derived`'s checks (a `Derived`) that is less than 1.
    """
    if not isinstance(derived, Derived):
        derived = Derived(derived)
    known = dict(values)
    fraction = _Fraction(known)
    for name, dim in derived.items():  # in order: a definition uses only earlier sizes
        try:
            value = fraction.visit(dim, True)
            if value < 1:
                raise _NotASize(f"is {value}; a size is at least 1")
        except _NotASize as e:
            message = f"{derived.described(name).what} {e}" + _at(_names(dim), known)
            raise SizeValueError(message, name) from None
        known[name] = int(value)
    for check in derived.checks:
        value = check.size.evaluate(known)
        if value < check.least or (check.most is not None and value > check.most):
            low = "a size is at least 1" if check.least == 1 else f"it must be at least {check.least}"
            bound = low if value < check.least else f"it is at most {check.most:,} here"
            message = f"{check.what} is {value}; {bound}" + _at(check.size.symbols() - {check.key}, known)
            raise SizeValueError(message, check.key)
    return {name: known[name] for name in derived}


def _at(names: Iterable[str], known: Mapping[str, int]) -> str:
    """' at H=3, e=10': the values of the sizes a size read."""
    at = ", ".join(f"{k}={known[k]}" for k in sorted(names) if k in known)
    return f" at {at}" if at else ""


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


def polynomial(dim: ir.Dim) -> Poly:
    """A size written without division or ceil/floor, as a `Poly` in the names it reads
    (a model's size arguments: `lstm(e + n, n)`)."""
    return _Polynomials().visit(dim)


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
