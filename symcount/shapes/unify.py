"""The solver under shape inference: sizes and shapes, unified.

Two layers of union-find. A *size variable* stands for one axis length; two
of them made equal share one root, and a root may be pinned to a polynomial
(`Poly`). A *shape variable* stands for a whole value's shape; it is either
still open (its rank unknown: a parameter that has only met other unknowns)
or a tuple of size variables. Making two shapes equal makes their ranks and
then each pair of axes equal.

Relations that are not equalities (a concatenation's length is the sum of its
parts', `heads(v, H)` splits a length into H times another) wait in a list of
deferred constraints until enough is known to apply them.
"""

from __future__ import annotations

from ..errors import SymcountError
from ..ir import Document, Span
from ..poly import Poly


class Solver:
    def __init__(self, source: Document):
        self.source = source
        self.parent: list[int] = []
        self.known: dict[int, tuple[Poly, Span]] = {}  # size root → size and where it came from
        self.shape_parent: list[int] = []
        self.axes_of: dict[int, tuple[int, ...]] = {}  # shape root → its axes, once known
        # Elementwise meetings of an open shape (a parameter nothing has shaped
        # yet) with a known one, settled after every equation is read (`settle`):
        # (open, known, where, left, right, open on the left).
        self.beside: list[tuple] = []
        # A weight beside a value of higher rank that it fits from either end, while
        # sizes still unknown may make one end wrong (`align`): (a, b, at, left, right).
        self.alignments: list[tuple] = []
        # The alignments still open once nothing else was left to solve, each lined up
        # from the left (the rule for values), unless its number is in `trailing`
        # (`shapes.infer` tries that end to see whether the count depends on the choice).
        self.chosen: list[tuple] = []
        self.trailing: frozenset[int] = frozenset()
        # What `settle` chose among: each open shape it settled → the known ones it met.
        self.settled_among: dict[int, list[int]] = {}

    def error(self, message: str, span: Span, *notes) -> SymcountError:
        return self.source.error(message, span, *notes)

    # ---- sizes ----

    def new(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def fixed(self, size: Poly, origin: Span) -> int:
        var = self.new()
        self.known[var] = (size, origin)
        return var

    def find(self, var: int) -> int:
        root = var
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[var] != root:  # path compression keeps this near O(1)
            self.parent[var], var = root, self.parent[var]
        return root

    def size(self, var: int) -> Poly | None:
        entry = self.known.get(self.find(var))
        return entry[0] if entry else None

    def origin(self, var: int) -> Span | None:
        entry = self.known.get(self.find(var))
        return entry[1] if entry else None

    def unify(self, a: int, b: int, at: Span, left, right) -> None:
        """Sizes `a` and `b` are equal; `left` and `right` name them (a callable is
        called only on error: quoting the source for every unification was a
        tenth of the time of a large cell)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        ka, kb = self.known.get(ra), self.known.get(rb)
        if ka and kb and not self.same_size(ka[0], kb[0]):
            left, right = (x() if callable(x) else x for x in (left, right))
            raise self.error(
                f"size mismatch: {left} has size {ka[0]} but {right} has size {kb[0]}",
                at,
                (f"size {ka[0]} comes from here", ka[1]),
                (f"size {kb[0]} comes from here", kb[1]),
            )
        self.parent[rb] = ra
        if kb and (not ka or self.simpler(kb[0], ka[0])):
            self.known[ra] = kb
        self.known.pop(rb, None)

    def pin(self, var: int, size: Poly, origin: Span, what) -> None:
        # The name is made only on error: printing every pinned size was a
        # twentieth of the time of a large cell.
        self.unify(self.fixed(size, origin), var, origin, lambda: f"the size {size}", what)

    # ---- shapes ----

    def new_shape(self, axes: tuple[int, ...] | None = None) -> int:
        ref = len(self.shape_parent)
        self.shape_parent.append(ref)
        if axes is not None:
            self.axes_of[ref] = axes
        return ref

    def find_shape(self, ref: int) -> int:
        root = ref
        while self.shape_parent[root] != root:
            root = self.shape_parent[root]
        while self.shape_parent[ref] != root:
            self.shape_parent[ref], ref = root, self.shape_parent[ref]
        return root

    def axes(self, ref: int) -> tuple[int, ...] | None:
        return self.axes_of.get(self.find_shape(ref))

    def scalar(self, ref: int | None) -> bool:
        """Whether `ref` is a scalar: None (a number, a size, a scalar input), or a
        value with no axis left (`sum(x)` of a vector, a row product `w @ x`)."""
        return ref is None or self.axes(ref) == ()

    def vector(self, ref: int) -> tuple[int, ...]:
        """The axes of `ref`, making an open shape a vector of unknown length
        (what a parameter is until something says otherwise)."""
        axes = self.axes(ref)
        if axes is None:
            axes = (self.new(),)
            self.axes_of[self.find_shape(ref)] = axes
        return axes

    def same_shape(self, a: int, b: int, at: Span, left, right) -> None:
        ra, rb = self.find_shape(a), self.find_shape(b)
        if ra == rb:
            return
        xa, xb = self.axes_of.get(ra), self.axes_of.get(rb)
        if xa is not None and xb is not None:
            if len(xa) != len(xb):
                left, right = (x() if callable(x) else x for x in (left, right))
                raise self.error(f"shape mismatch: {left} {self.shaped(a)} but {right} {self.shaped(b)}", at)
            for u, v in zip(xa, xb, strict=True):
                self.unify(u, v, at, left, right)
        self.shape_parent[rb] = ra
        if xa is None and xb is not None:
            self.axes_of[ra] = xb
        self.axes_of.pop(rb, None)

    def broadcast(self, a: int | None, b: int | None, at: Span, left, right) -> int | None:
        """The shape of an elementwise operation on `a` and `b`.

        Shapes line up from the left: a shape that is the start of the other
        (a per-head value (H) beside (H, d, d)) repeats over the axes it
        lacks. A scalar (None) broadcasts everywhere. An open shape takes the
        other's whole shape: a parameter beside a value has the value's shape.
        """
        if a is None:
            return b
        if b is None:
            return a
        xa, xb = self.axes(a), self.axes(b)
        if xa is None and xb is None:
            self.same_shape(a, b, at, left, right)
            return a
        if xa is None or xb is None:
            # Which shape the open side takes must not depend on the order of the
            # equations: it is decided once all are read (`settle`).
            self.beside.append((a, b, at, left, right, True) if xa is None else (b, a, at, left, right, False))
            return b if xa is None else a
        return self.line_up(a, b, at, left, right)

    def line_up(self, a: int, b: int, at: Span, left, right) -> int:
        """Two known shapes, elementwise: equal, or one the start of the other (or,
        for a weight, the end: `align`)."""
        xa, xb = self.axes(a), self.axes(b)
        if len(xa) == len(xb) == 1:  # vectors: v1's "size mismatch" says it best
            self.unify(xa[0], xb[0], at, left, right)
            return a
        if len(xa) != len(xb) and self.is_weight(a if len(xa) < len(xb) else b):
            return self.align((a, b, at, left, right))
        try:
            for u, v in zip(xa, xb, strict=False):  # from the left, in the operands' order
                self.unify(u, v, at, left, right)
        except SymcountError as e:
            raise self.shape_mismatch(a, b, at, left, right, e.notes) from None
        if len(xa) == len(xb):
            self.same_shape(a, b, at, left, right)
        return a if len(xa) >= len(xb) else b

    def is_weight(self, ref: int) -> bool:
        """Whether `ref` is the shape of a parameter (the inference knows them)."""
        return False

    # ---- a weight beside a value of higher rank ----

    def align(self, meeting: tuple) -> int:
        """A weight beside a value of higher rank lines up with the value's leading
        axes (one entry per leading entry: a gain `param b : n` on a feature map
        (n, rows, cols)) or with its trailing ones (shared over the leading axes:
        a head-size gain `g : d` on (H, d), as PyTorch broadcasts). An end whose
        sizes differ is out; where both ends fit and sizes still unknown could
        make one wrong, the choice waits (`settle_alignments`)."""
        a, b, at, left, right = meeting
        short, long = (a, b) if len(self.axes(a)) < len(self.axes(b)) else (b, a)
        lead, trail = self._ends(short, long)
        fit_lead, fit_trail = self._fits(*lead), self._fits(*trail)
        if not (fit_lead or fit_trail):
            notes = ()
            try:  # for the notes: where the sizes that differ come from
                self._unify_axes(*lead, meeting)
            except SymcountError as e:
                notes = e.notes
            raise self.shape_mismatch(a, b, at, left, right, notes, weight=True)
        if fit_lead and fit_trail and not (self._settled(*lead) and self._settled(*trail)):
            self.alignments.append(meeting)
        else:
            self._unify_axes(*(lead if fit_lead else trail), meeting)
        return long

    def _ends(self, short: int, long: int) -> tuple[tuple, tuple]:
        """The pairs of axes lined up from the left and from the right."""
        xs, xl = self.axes(short), self.axes(long)
        return (xs, xl[: len(xs)]), (xs, xl[len(xl) - len(xs) :])

    def _fits(self, xs: tuple[int, ...], xl: tuple[int, ...]) -> bool:
        """No pair of axes has two different known sizes."""
        for u, v in zip(xs, xl, strict=True):
            su, sv = self.size(u), self.size(v)
            if su is not None and sv is not None and not self.same_size(su, sv):
                return False
        return True

    def _settled(self, xs: tuple[int, ...], xl: tuple[int, ...]) -> bool:
        """Every pair of axes is one size already: lining them up changes nothing."""
        return all(
            self.find(u) == self.find(v) or (self.size(u) is not None and self.size(v) is not None)
            for u, v in zip(xs, xl, strict=True)
        )

    def _unify_axes(self, xs: tuple[int, ...], xl: tuple[int, ...], meeting: tuple) -> None:
        a, b, at, left, right = meeting
        for u, v in zip(xs, xl, strict=True):
            self.unify(u, v, at, left, right)

    def settle_alignments(self, force: bool) -> bool:
        """Line up the waiting alignments that one end no longer fits; with `force`,
        when nothing else is left to solve, the first one from the left (or the right,
        if `trailing` says so). Whether any was lined up."""
        for meeting in self.alignments:
            a, b = meeting[:2]
            short, long = (a, b) if len(self.axes(a)) < len(self.axes(b)) else (b, a)
            lead, trail = self._ends(short, long)
            fit_lead, fit_trail = self._fits(*lead), self._fits(*trail)
            if force or not (fit_lead and fit_trail):
                self.alignments.remove(meeting)
                if force:
                    self.chosen.append(meeting)
                    fit_lead = len(self.chosen) - 1 not in self.trailing
                self._unify_axes(*(lead if fit_lead else trail), meeting)
                return True
        return False

    def same_size(self, a: Poly, b: Poly) -> bool:
        """Whether two sizes are one."""
        return a == b

    def simpler(self, a: Poly, b: Poly) -> bool:
        """Whether one size is better written `a` than `b` (they are the same size)."""
        return False

    def settle(self) -> None:
        """Give each open shape met elementwise the whole shape of the smallest value
        (the lowest rank) it met, then line every meeting up: beside the larger
        ones it repeats over the axes it lacks. So a parameter is the least that
        fits all its uses, whatever their order (`b * x` and `b * M` with x (n),
        M (n, m): b is (n)).

        The result of each meeting was taken to have the known value's shape;
        that stays right because the open side never ends larger: it takes the
        smallest value, and a use that shapes it directly (`W @ b`, `[b, x]`)
        makes it a vector, the smallest any value met can be.

        The shapes each open one met are kept (`settled_among`): where they differ,
        its shape was a choice, which the typed cell reports (`choices.shape_choices`).
        """
        smallest: dict[int, int] = {}
        for meeting in self.beside:
            root, known = self.find_shape(meeting[0]), meeting[1]
            if self.axes(root) is None:
                self.settled_among.setdefault(root, []).append(known)
                best = smallest.get(root)
                if best is None or len(self.axes(known)) < len(self.axes(best)):
                    smallest[root] = known
        for root, known in smallest.items():
            if self.axes(root) is None:  # two roots may have merged meanwhile
                self.same_shape(root, known, None, "", "")
        for open_, known, at, left, right, open_left in self.beside:
            if open_left:
                self.line_up(open_, known, at, left, right)
            else:
                self.line_up(known, open_, at, left, right)
        self.beside = []

    def shape_mismatch(self, a: int, b: int, at: Span, left, right, notes=(), weight=False) -> SymcountError:
        """Two shapes that do not line up; `notes` are the size conflict's."""
        left, right = (x() if callable(x) else x for x in (left, right))
        message = f"shape mismatch: {left} {self.shaped(a)} but {right} {self.shaped(b)}"
        ra, rb = len(self.axes(a) or ()), len(self.axes(b) or ())
        if weight:
            message += (
                "; a weight of lower rank must be the start of the other shape (as a gain n is "
                "of (n, rows, cols)) or its end (as a gain d is of (H, d)), and it repeats over "
                "the axes it lacks"
            )
        elif ra != rb:
            message += (
                "; shapes line up from the left, so the shorter one must be the start of the "
                "longer (as (H) is of (H, d, d)), and it repeats over the axes it lacks"
            )
        return SymcountError(message, self.source.location(at), tuple(notes))

    def shaped(self, ref: int | None) -> str:
        """'has shape (H, d)', or 'is a scalar': the end of a sentence about a value."""
        text = self.describe(ref)
        return "is a scalar" if text == "scalar" else f"has shape {text}"

    def describe(self, ref: int | None) -> str:
        if ref is None:
            return "scalar"
        axes = self.axes(ref)
        if axes is None:
            return "unknown"
        if not axes:
            return "scalar"
        sizes = [str(self.size(v) or "?") for v in axes]
        return "(" + ", ".join(sizes) + ")" if len(sizes) != 1 else sizes[0]


def nonnegative(poly: Poly) -> bool:
    """Whether `poly` is ≥ 0 for every value of its symbols (each ≥ 1), provably:
    with each symbol written 1 + y (y ≥ 0), every coefficient is ≥ 0."""
    shifted = poly.substitute({name: Poly.symbol(name) + Poly.const(1) for name in poly.symbols()})
    return all(coeff >= 0 for _, coeff in shifted.terms)


def divide(numerator: Poly, denominator: Poly) -> Poly | None:
    """numerator / denominator when it is a polynomial with integer coefficients, else None."""
    if not denominator.terms:
        return None
    if len(denominator.terms) == 1:
        (mono, coeff), = denominator.terms
        out = {}
        powers = dict(mono)
        for m, c in numerator.terms:
            have = dict(m)
            if c % coeff or any(have.get(s, 0) < p for s, p in powers.items()):
                return None
            rest = {s: q - powers.get(s, 0) for s, q in have.items() if q - powers.get(s, 0)}
            out[tuple(sorted(rest.items()))] = c // coeff
        return Poly._make(out)
    return _divide_sympy(numerator, denominator)


def _divide_sympy(numerator: Poly, denominator: Poly) -> Poly | None:
    import sympy

    from ..symbols import to_sympy

    quotient, remainder = sympy.div(to_sympy(numerator), to_sympy(denominator))
    return poly_of(quotient) if remainder == 0 else None


def poly_of(expr) -> Poly | None:
    """A sympy expression as a Poly, if it is a polynomial with integer coefficients."""
    import sympy

    if expr.is_number:  # sympy.Poly needs a symbol: `heads(x, m + n)` of x : 2*m + 2*n
        return Poly.const(int(expr)) if expr.is_integer else None
    if not expr.is_polynomial():
        return None
    poly = sympy.Poly(expr, *sorted(expr.free_symbols, key=str))
    if not all(c.is_integer for c in poly.coeffs()):
        return None
    terms = {}
    gens = [str(g) for g in poly.gens]
    for powers, coeff in poly.terms():
        terms[tuple(sorted((g, p) for g, p in zip(gens, powers, strict=True) if p))] = int(coeff)
    return Poly._make(terms)
