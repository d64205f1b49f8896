"""Solving for a size: the largest value of one size symbol at which a figure (the
parameters, or a cost figure) stays within a budget (docs/cli.md, "solve").

Every answer is exact. The figure is an integer polynomial evaluated in Python
integers (`Figure`); a value is valid exactly where `evaluation.size_values`
accepts it (every derived size a positive whole number, every size positive:
with `size d = n / H`, n runs over multiples of H) and it is a multiple of the
step asked for.

How the search goes (docs/cli.md, "How solve searches"):

- The derived sizes and the sizes to check that read the symbol are its
  *conditions*. Each is a positive whole number on a set of the symbol's values
  that repeats with the product of the divisors of its divisions (`n / H`: every
  H-th n), intersected with an interval where it is at least 1 (a model's number
  of copies at least 0) and at most its bound. Where a condition is monotone in
  the symbol (`_Direction`), that interval's end is found by bisection on its
  exact value.
- The figure is provably non-decreasing in the symbol when, the other sizes
  set, every coefficient of a term that grows with it is non-negative (and no
  term shrinks with it). Then the largest value within the budget is found by
  doubling and bisection, each probe at the last valid value at or below it
  (never more than one period back).
- A figure in the symbol alone that is not (`n**2 - n`) is non-decreasing past
  the Cauchy bound of its derivative: values below it are scanned, the rest is
  bisected.
- Anything else (the symbol in a divisor, `size d = e / H` solved for H; a
  count in r**L) is scanned value by value, within the conditions' interval
  and for at most SCAN values; an answer found so is said to be so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import sympy

from .. import ir
from ..poly import Poly
from ..shapes.sizes import Derived, SizeValueError
from ..shapes.unify import poly_of
from ..symbols import size_symbol, to_sympy
from ..visit import Visitor
from . import evaluation

# What a budget may bound, and how messages name each.
METRICS = {
    "params": "parameters",
    "macs": "MACs",
    "flops": "FLOPs",
    "weight_bytes": "weight bytes",
    "state_bytes": "state bytes",
}
# The setting that prices each cost metric; the parameters need none.
PRICED_BY = {"macs": "convention", "flops": "convention", "weight_bytes": "dtype", "state_bytes": "dtype"}


def check_metric(metric: str, convention: str = "symcount", dtype: str = "fp32") -> None:
    """A ValueError unless `metric` is one of METRICS, and `convention` and `dtype`
    are their defaults unless they price it (no setting that changes nothing)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    for setting, given, default in (("convention", convention, "symcount"), ("dtype", dtype, "fp32")):
        if given != default and PRICED_BY.get(metric) != setting:
            priced = [m for m, by in PRICED_BY.items() if by == setting]
            raise ValueError(f"{setting} {given!r} prices {' and '.join(priced)}, not {metric}")


# Values scanned one by one, at most, where the figure is not provably
# non-decreasing: about a second on the slowest path (22 µs a value that is
# not valid, where size_values builds its message).
SCAN = 2**16
# The largest size searched: sizes have at most 100 digits (docs/cli.md, "Setting sizes").
LIMIT = 10**100


@dataclass(frozen=True)
class Point:
    """A value of every size (the solved one included) and the figure there."""

    sizes: dict[str, int]
    value: int


@dataclass(frozen=True)
class Matched:
    """Where a budget came from (`--match`): another cell's figure at its sizes."""

    name: str
    note: str  # how it is used: "2 layers", "" for one plain cell
    sizes: dict[str, int]


@dataclass(frozen=True)
class Solved:
    """What `solve` found for one cell (docs/api.md, "Budgets").

    `sizes` and `value`: the largest valid value of `for_` whose figure is at most
    `budget`, with every other size, and the figure there; None when no value is
    (`message` says why). `next`: the next valid value above it and its figure
    (the smallest valid one when none is within the budget); None when there is
    none. `message` also notes an answer found by a bounded scan.
    """

    budget: int
    metric: str
    for_: str
    sizes: dict[str, int] | None
    value: int | None
    next: Point | None
    message: str = ""
    multiple_of: int = 1
    convention: str | None = None  # what priced MACs or FLOPs
    dtype: str | None = None  # what the bytes are stored in
    matched: Matched | None = None


@dataclass(frozen=True)
class Figure:
    """A figure in exact integer arithmetic: `poly` / `divisor`, rounded up (int4
    packs two entries a byte); where it is no polynomial (a count in r**L), `expr`,
    evaluated in exact fractions (`exact`) or else by sympy."""

    poly: Poly | None
    divisor: int = 1
    expr: sympy.Expr | None = None
    exact: Callable[[Mapping[str, int]], Fraction] | None = None

    @staticmethod
    def of(figure: Poly | sympy.Expr) -> Figure:
        if isinstance(figure, Poly):
            return Figure(figure)
        # Rational coefficients (a stack's sum over layers, int4's halves) over one divisor.
        divisor = math.lcm(*(term.as_coeff_Mul()[0].q for term in sympy.Add.make_args(figure)))
        poly = poly_of(sympy.expand(figure * divisor))
        return Figure(poly, divisor, figure, None if poly is not None else _fractions(figure))

    def fixed(self, values: Mapping[str, int]) -> Figure:
        """The figure with the sizes `values` set: a polynomial in the others (a count
        in r**L is one once L is set), quicker to evaluate and to reason about."""
        if self.poly is not None:
            return Figure(self.poly.substitute({k: Poly.const(v) for k, v in values.items()}), self.divisor)
        return Figure.of(self.expr.subs({size_symbol(k): v for k, v in values.items()}))

    def at(self, values: Mapping[str, int]) -> int:
        if self.poly is not None:
            return -(-self.poly.evaluate(values) // self.divisor)
        if self.exact is not None:
            return math.ceil(self.exact(values))
        return evaluation.value_up(self.expr, values)


def _fractions(expr: sympy.Expr) -> Callable[[Mapping[str, int]], Fraction] | None:
    """`expr` as a function of the sizes in exact fractions, where it is sums, products
    and powers of numbers and sizes (2**L): a scan over L then costs microseconds a
    value, not sympy's substitution. None for anything else."""
    if expr.is_Rational:
        number = Fraction(int(expr.p), int(expr.q))
        return lambda values: number
    if expr.is_Symbol:
        return lambda values: Fraction(values[expr.name])
    parts = [_fractions(arg) for arg in expr.args]
    if None in parts or not (expr.is_Add or expr.is_Mul or expr.is_Pow):
        return None
    if expr.is_Add:
        return lambda values: sum(part(values) for part in parts)
    if expr.is_Mul:
        return lambda values: math.prod(part(values) for part in parts)
    base, exponent = parts
    return lambda values: base(values) ** exponent(values)


def solve(
    figure: Figure,
    derived: Derived,
    fixed: Mapping[str, int],
    names: Sequence[str],
    symbol: str,
    budget: int,
    step: int = 1,
    metric: str = "params",
    **about: object,
) -> Solved:
    """The largest multiple of `step` for `symbol` at which `figure` is at most
    `budget`, the other sizes `fixed`. `names` orders the sizes of the answer;
    `about` fills the rest of the `Solved` (convention, dtype). Sizes `fixed` at
    which no value can be valid raise `SizeValueError` (a ValueError)."""
    search = _Search(figure, derived, fixed, symbol, step, METRICS[metric])
    best, above, note = search.run(budget)
    first = None if above is None else Point(search.ordered(above, names), search.value(above))
    found = dict(budget=budget, metric=metric, for_=symbol, next=first, multiple_of=step, **about)
    if best is not None:
        return Solved(sizes=search.ordered(best, names), value=search.value(best), message=note, **found)
    if first is not None:
        note = (
            f"no {symbol} is within the budget: the smallest, {symbol} = {first.sizes[symbol]}, "
            f"has {first.value:,} {METRICS[metric]}"
        )
    elif not note:
        at = ", ".join(f"{k}={v}" for k, v in fixed.items())
        note = f"no value of {symbol} makes every size a positive whole number" + (f" at {at}" if at else "")
    return Solved(sizes=None, value=None, message=note, **found)


class _Search:
    """One cell's search over the values `step * t` of `symbol` (t = 1, 2, ...)."""

    def __init__(
        self, figure: Figure, derived: Derived, fixed: Mapping[str, int], symbol: str, step: int, label: str
    ):
        self.figure, self.derived, self.symbol, self.step, self.label = figure, derived, symbol, step, label
        self.top = LIMIT // step
        # The derived sizes that read the symbol, each with its direction as the symbol grows.
        self.directions: dict[str, int | None] = {symbol: 1}
        for name, dim in derived.items():  # in order: a definition reads earlier sizes only
            if _reads(dim) & self.directions.keys():
                self.directions[name] = _Direction(self.directions).visit(dim)[0]
        moving = set(self.directions)
        checks = [c for c in derived.checks if c.size.symbols() & moving]
        # What does not move with the symbol is worked out once; wrong here, no value is valid.
        steady = Derived(
            {n: d for n, d in derived.items() if n not in moving},
            [c for c in derived.checks if not c.size.symbols() & moving],
        )
        self.known = evaluation.size_values(steady, dict(fixed))
        self.figure = figure.fixed(self.known)
        self.written = evaluation.derived_exprs(derived)  # for the conditions' exact values
        self.conditions = [self._condition(name) for name in self.directions if name != symbol]
        self.conditions += [c for check in checks for c in self._check(check)]
        self.period = self._period(moving)
        self._sizes: dict[int, dict[str, int] | None] = {}
        self._values: dict[int, int] = {}

    # ---- a value ----

    def sizes(self, t: int) -> dict[str, int] | None:
        """Every size's value at `symbol` = step·t, or None where one is not valid."""
        if t not in self._sizes:
            try:
                self._sizes[t] = evaluation.size_values(self.derived, {**self.known, self.symbol: self.step * t})
            except SizeValueError:
                self._sizes[t] = None
        return self._sizes[t]

    def value(self, t: int) -> int:
        if t not in self._values:
            self._values[t] = self.figure.at(self.sizes(t))
        return self._values[t]

    def ordered(self, t: int, names: Sequence[str]) -> dict[str, int]:
        sizes = self.sizes(t)
        return {name: sizes[name] for name in names}

    # ---- the conditions: where each derived size and check holds ----

    def _condition(self, name: str) -> Condition:
        """A derived size that reads the symbol is at least 1."""
        return Condition(self._exact(self.written[name]), 1, None, self.directions[name])

    def _check(self, check) -> list[Condition]:
        """A size to check that reads the symbol is at least its least (1; 0 for a
        model's number of copies, `* (L - 2)`), and at most its bound."""
        size = check.size.substitute({k: Poly.const(v) for k, v in self.known.items() if k != self.symbol})
        direction = _poly_direction(size, self.directions)
        written = self._exact(to_sympy(check.size).subs({size_symbol(k): v for k, v in self.written.items()}))
        found = [Condition(written, check.least, None, direction)]
        if check.most is not None:
            found.append(Condition(written, None, check.most, direction))
        return found

    def _exact(self, expr: sympy.Expr) -> Callable[[int], sympy.Expr]:
        """`expr` (in the header's sizes) as a function of t, the other sizes set."""
        at = expr.subs({size_symbol(k): v for k, v in self.known.items() if k != self.symbol})
        return lambda t: at.subs(size_symbol(self.symbol), self.step * t)

    def bounds(self) -> tuple[int, int]:
        """The interval of t outside which some monotone condition fails."""
        lo, hi = 1, self.top
        for condition in self.conditions:
            if condition.direction in (None, 0) or lo > hi:
                continue
            if condition.rising:  # holds from some t on
                if not condition.holds(lo):
                    lo = _last(lambda t, c=condition: not c.holds(t), lo, hi) + 1
            elif condition.holds(lo):  # holds up to some t
                hi = _last(condition.holds, lo, hi)
            else:
                hi = lo - 1
        return lo, hi

    def _period(self, moving: set[str]) -> int | None:
        """A period of the values where every derived size is whole, in steps: the
        product of the divisors in the definitions that read the symbol (each shift by
        it moves every quotient by a whole number), None where a divisor moves too."""
        period = 1
        for name in moving - {self.symbol}:
            for node in ir.walk(self.derived[name]):
                if not isinstance(node, ir.DimQuotient):
                    continue
                if _reads(node.denominator) & moving:
                    return None
                try:
                    period *= evaluation.size_values(Derived({"divisor": node.denominator}), self.known)["divisor"]
                except SizeValueError:
                    return None
        return math.lcm(period, self.step) // self.step

    # ---- the search ----

    def run(self, budget: int) -> tuple[int | None, int | None, str]:
        """(the best t, the next valid t above it, a note), each t None where there is
        none; with no best, the next is the smallest valid t."""
        lo, hi = self.bounds()
        rising = self._rising_from(lo) if lo <= hi else None
        scan_to = hi if rising is None else min(hi, rising - 1)
        note = ""
        if scan_to - lo + 1 > SCAN:  # too far to scan: what lies past it is not searched
            scan_to, rising = lo + SCAN - 1, None
            note = (
                f"the {self.label} are not provably non-decreasing in {self.symbol}: "
                f"values of {self.symbol} up to {self.step * scan_to:,} were searched"
            )
        scanned = [t for t in range(lo, scan_to + 1) if self.sizes(t) is not None]
        best = max((t for t in scanned if self.value(t) <= budget), default=None)
        above = [t for t in scanned if best is None or t > best]
        if rising is not None and rising <= hi:
            found, after, unbounded = self._bisect(max(lo, rising), hi, budget)
            if unbounded:
                return None, None, f"every {self.symbol} is within the budget: the {self.label} do not grow with it"
            if found is not None:
                return found, after, note
            above += [after] if after is not None else []
        return best, (above[0] if above else None), note

    def _rising_from(self, lo: int) -> int | None:
        """The t from which the figure is provably non-decreasing and the valid values
        repeat within the conditions' interval; None if nowhere."""
        if self.period is None or self.period > SCAN or any(c.direction is None for c in self.conditions):
            return None
        fixed = self.figure.poly
        if fixed is None:
            return None
        if _poly_direction(fixed, self.directions) in (0, 1):
            return lo
        if fixed.symbols() != {self.symbol}:
            return None
        start = _cauchy_rising(fixed, self.symbol)
        return None if start is None else max(lo, -(-start // self.step))

    def _bisect(self, lo: int, hi: int, budget: int) -> tuple[int | None, int | None, bool]:
        """Over [lo, hi], where the figure is non-decreasing and the valid t repeat
        every `period`: (the best t, the next valid t, whether the best is only the
        end of the search). With no best, the second is the first valid t."""
        first = next((t for t in range(lo, min(hi, lo + self.period - 1) + 1) if self.sizes(t)), None)
        if first is None:
            return None, None, False
        if self.value(first) > budget:
            return None, first, False

        def before(t: int) -> int:  # the last valid t at or before t: never a period back
            return next(s for s in range(t, max(first, t - self.period + 1) - 1, -1) if self.sizes(s))

        good = _last(lambda t: self.value(before(t)) <= budget, first, hi)
        best = before(good)
        if good == hi:
            return best, None, hi == self.top
        return best, before(good + 1), False


@dataclass(frozen=True)
class Condition:
    """A size that must be at least `least` (or at most `most`) as a function of t,
    and how it moves as t grows (+1 up, -1 down, 0 not at all, None unknown)."""

    size: Callable[[int], sympy.Expr]
    least: int | None
    most: int | None
    direction: int | None

    @property
    def rising(self) -> bool:
        """Whether it holds from some t on (else up to some t)."""
        return (self.direction == 1) == (self.least is not None)

    def holds(self, t: int) -> bool:
        value = self.size(t)
        return bool(value >= self.least) if self.least is not None else bool(value <= self.most)


def _last(holds: Callable[[int], bool], lo: int, hi: int) -> int:
    """The largest t in [lo, hi] where `holds`, which holds at lo and, once it
    fails, fails for good: doubling from lo, then bisection."""
    good, step = lo, 1
    while good + step <= hi and holds(good + step):
        good, step = good + step, step * 2
    bad = min(good + step, hi + 1)
    while bad - good > 1:
        middle = (good + bad) // 2
        if holds(middle):
            good = middle
        else:
            bad = middle
    return good


def _cauchy_rising(poly: Poly, symbol: str) -> int | None:
    """The value from which a polynomial in `symbol` alone is non-decreasing: past
    the Cauchy bound of its derivative's roots (1 + max |a_i / a_top|), the
    derivative has its leading coefficient's sign. None where that is negative."""
    derivative = {power - 1: power * coeff for mono, coeff in poly.terms for _, power in mono}
    if not derivative:
        return 1
    top = max(derivative)
    if derivative[top] < 0:
        return None
    rest = [abs(Fraction(c, derivative[top])) for p, c in derivative.items() if p < top]
    return math.floor(1 + max(rest, default=0)) + 1


def _reads(dim: ir.Dim) -> set[str]:
    return {node.name for node in ir.walk(dim) if isinstance(node, ir.DimName)}


def _combined(directions: Iterable[int | None]) -> int | None:
    """The direction of a sum (or of a product of positive sizes) of parts moving so."""
    moves = set(directions) - {0}
    if None in moves or len(moves) > 1:
        return None
    return moves.pop() if moves else 0


def _poly_direction(poly: Poly, directions: Mapping[str, int | None]) -> int | None:
    """How `poly` moves as the symbol grows, each of its sizes positive and moving as
    `directions` says (a size it does not name stays): a term moves as its sizes
    do, times its coefficient's sign; the constant term does not move."""
    terms = []
    for mono, coeff in poly.terms:
        moves = _combined(directions.get(name, 0) for name, _ in mono)
        terms.append(None if moves is None else moves * (1 if coeff > 0 else -1))
    return _combined(terms)


class _Direction(Visitor):
    """How a derived size's definition moves as the symbol grows, and whether it is
    positive: (direction, positive). A product or a quotient moves as its parts only
    when they are positive (sizes are; `m - n` may not be)."""

    def __init__(self, directions: Mapping[str, int | None]):
        self.directions = directions

    def visit_DimInt(self, dim: ir.DimInt) -> tuple[int | None, bool]:
        return 0, dim.value > 0

    def visit_DimName(self, dim: ir.DimName) -> tuple[int | None, bool]:
        return self.directions.get(dim.name, 0), True

    def visit_DimSum(self, dim: ir.DimSum) -> tuple[int | None, bool]:
        parts = [self.visit(term) for term in dim.terms]
        moves = _combined(None if d is None else d * s for (d, _), s in zip(parts, dim.signs, strict=True))
        return moves, all(p for _, p in parts) and all(s > 0 for s in dim.signs)

    def visit_DimProduct(self, dim: ir.DimProduct) -> tuple[int | None, bool]:
        return self._product([self.visit(f) for f in dim.factors])

    def visit_DimQuotient(self, dim: ir.DimQuotient) -> tuple[int | None, bool]:
        (a, above), (b, below) = self.visit(dim.numerator), self.visit(dim.denominator)
        return self._product([(a, above), (None if b is None else -b, below)])

    def visit_DimCall(self, dim: ir.DimCall) -> tuple[int | None, bool]:
        moves, positive = self.visit(dim.arg)
        return moves, positive and dim.func == "ceil"  # the floor of a positive size may be 0

    @staticmethod
    def _product(parts: list[tuple[int | None, bool]]) -> tuple[int | None, bool]:
        positive = all(p for _, p in parts)
        moves = _combined(d for d, _ in parts)
        return (moves if positive or moves == 0 else None), positive
