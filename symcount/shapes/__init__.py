"""Shape inference: every value's and parameter's shape in a cell, solved at once.

Values have shapes of any rank: a scalar, a vector (n), a matrix (H, d), a
tensor (H, d, d). Each expression node gets a shape variable (see `unify`):

- elementwise operations (`+ - * /`, functions) line shapes up from the left;
  a shape that is the start of the other repeats over the axes it lacks, a
  scalar broadcasts everywhere, and a parameter takes the whole shape of the
  value beside it; a weight of lower rank may match the value's trailing axes
  instead (a head-size gain on (H, d)), and where the sizes leave the choice
  open and it changes the count, that is a warning;
- `W @ v` applies a weight to the last axis of v; between two values, `@`
  multiplies a matrix and a vector per leading (batch) axes (`C @ q`, `q @ C`),
  or takes a dot product of two values of equal rank (2 or more);
- concatenation, slicing, `outer`, `heads`, `flat`, `sum`, the norms and the
  convolutions each have their rule below.

Declarations pin sizes to polynomials, derived sizes tied to their
definitions (`sizes.Sizes.same`); relations that are not equalities
(concatenation, splitting into heads) are deferred and solved after. What
comes out is the typed cell (`TypedCell`): every node's shape and every
parameter's, as tuples of `Poly`.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Iterator, Mapping
from functools import partial, reduce

from .. import functions, ir, visit
from ..errors import Note, SymcountError, SymcountWarning
from ..poly import Poly
from ..resolve.names import Scope
from .choices import shape_choices
from .core import Core
from .deferred import Deferred
from .products import Products
from .results import UNUSED, ParamShape, TypedCell
from .sizes import SizeProblem, Sizes
from .structure import Structure
from .typemap import NodeSet, TypeMap


def infer(
    scope: Scope,
    input_sizes: Mapping[str, Poly] | None = None,
    given: Mapping[str, Poly] | None = None,
    rename: Callable[[str], str] | None = None,
) -> TypedCell:
    """Solve the shapes of `scope`'s cell: the typed cell.

    A later layer of a stack reads the previous layer's output instead of the
    declared input (docs/language.md, "Stacked layers"): `given` gives the
    input's size symbol that width everywhere it is written (declared shapes,
    derived sizes: `{"m": 2*n}`), and `rename` names a derived size that then
    differs (R → R_2); `input_sizes` overrides only the declared input size
    (an input written `2*m`, whose m sizes nothing else).
    """
    try:
        overrides = dict(input_sizes or {})
        sizes = partial(Sizes, scope, given, rename)  # the layer's sizes, for each run
        inference = _Inference(scope, sizes(), overrides)
        typed = dataclasses.replace(inference.run(), choices=shape_choices(inference))
        warnings = tuple(_alignment_warnings(scope, sizes, overrides, inference, typed))
        return dataclasses.replace(typed, warnings=warnings) if warnings else typed
    except SizeProblem as e:
        raise scope.cell.source.error(str(e), e.span) from None
    except SymcountError as e:
        if scope.functions:
            raise _with_call_site(e, scope) from None
        raise


def _alignment_warnings(
    scope: Scope,
    sizes: Callable[[], Sizes],
    overrides: dict[str, Poly],
    inference: _Inference,
    typed: TypedCell,
) -> Iterator[SymcountWarning]:
    """A warning for each weight that the sizes let line up with either end of a
    value, where the other end gives another count (docs/language.md, "Elementwise
    operations and broadcasting"): the inference is run again with that one from
    the right."""
    for number, (a, b, at, left, right) in enumerate(inference.chosen):
        other = _Inference(scope, sizes(), overrides)
        other.trailing = frozenset({number})
        try:
            alternative = other.run()
        except SymcountError:
            continue  # the trailing axes do not fit after all
        ours, theirs = _count(typed), _count(alternative)
        if ours == theirs:
            continue
        weight, value = (left, right) if len(inference.axes(a)) < len(inference.axes(b)) else (right, left)
        weight, value = (x() if callable(x) else x for x in (weight, value))
        changed = [p for p, q in zip(typed.params, alternative.params, strict=True) if p.shape != q.shape]
        first = changed[0]
        yield scope.cell.source.warning(
            f"{weight} fits either end of {value}, and the count depends on which: {ours} "
            f"with {weight} lined up with the leading axes (an entry per leading entry), "
            f"{theirs} with the trailing ones (shared over the leading axes); symcount takes "
            f"the leading axes; declare {_names(changed)} to choose (`param {first.name} : "
            f"({', '.join(map(str, first.shape))})` keeps this count)",
            at,
        )


def _count(typed: TypedCell) -> Poly:
    return Poly.sum(reduce(operator.mul, p.shape, Poly.const(1)) for p in typed.params)


def _names(params: list[ParamShape]) -> str:
    names = [f"'{p.name}'" for p in params]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _with_call_site(error: SymcountError, scope: Scope) -> SymcountError:
    """An error inside a `def`'s body gains a note at an equation that calls it:
    the body alone does not say which arguments made it wrong."""
    inside = next((d for d in scope.functions.values() if _contains(d.span, error.location)), None)
    if inside is None:
        return error
    reaching = {inside.name}  # the def and every def that calls it, however indirectly
    grew = True
    while grew:
        grew = False
        for definition in scope.functions.values():
            if definition.name not in reaching and any(
                isinstance(n, ir.Call) and n.func in reaching for n in ir.walk(definition.expr)
            ):
                reaching.add(definition.name)
                grew = True
    for eq in scope.cell.equations:
        for node in ir.walk(eq.expr):
            if isinstance(node, ir.Call) and node.func in reaching:
                source = scope.cell.source
                note = Note(f"in '{inside.name}', called here", source.location(node.span))
                return SymcountError(error.message, error.location, (*error.notes, note))
    return error


def _contains(span: ir.Span, location) -> bool:
    start, end = (span.line, span.column), (span.end_line, span.end_column)
    return location.line is not None and start <= (location.line, location.column) < end


class _Inference(Products, Structure, Deferred, Core, visit.Visitor):
    """The whole inference: the core and its rules (`visit_<Node>`, `call_<function>`)."""

    def visit_Call(self, node: ir.Call) -> int | None:
        rule = _CALL_RULES.get(node.func)
        if rule is None:
            raise visit.Unsupported(f"shape inference has no rule for {node.func}()")
        return rule(self, node)


def _call_rules() -> dict[str, Callable]:
    """Each built-in function's rule: its own (`call_groupnorm`), else its category's
    (`call_elementwise`); a function with neither has none, and calling it is unsupported."""
    rules = {}
    for name, function in functions.TABLE.items():
        for rule in (f"call_{name}", f"call_{function.category.value}"):
            if hasattr(_Inference, rule):
                rules[name] = getattr(_Inference, rule)
                break
    return rules


_CALL_RULES = _call_rules()


def handles(function: str) -> bool:
    """Whether shape inference has a rule for the built-in `function` (the architecture tests ask)."""
    return function in _CALL_RULES


__all__ = ["UNUSED", "NodeSet", "ParamShape", "TypeMap", "TypedCell", "handles", "infer"]
