"""Counts at concrete sizes: the one place where a count becomes a number.

`Cell.evaluate`, the values the outputs show at `--set` sizes
(`render.Report`), sweeps (`render.sweep`) and next `solve`, all evaluate
here, in three steps:

1. the sizes given are checked (`check_sizes`): exactly the size symbols,
   each a positive integer (`positive_size`);
2. the derived sizes (`size R = ceil(D / 16)`, and a later layer's R_2) are
   worked out from them, and every size that is positive at some sizes only
   (`m - n`) is checked (`size_values`);
3. a count is evaluated at those values (`value`): an exact `Poly` in Python
   integers. `trainable` takes the count's own polynomial whenever it is one,
   and `numel` the same for the count as a framework's `numel()` gives it (a
   complex entry once). Any other count or a cost's figure (a frozen count,
   MACs, int4's half bytes) is turned back into a polynomial over a
   denominator once (`polynomial`) and evaluated so; only what is none (a
   ceiling left in a figure) is substituted by sympy. A loop over sizes, as a
   sweep's, never goes through sympy.

`written_out` gives a count in the header's symbols alone, each derived size
replaced by its definition (R as ceiling(D/16)), for what must be evaluated
as one formula, such as a plot's curve.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from functools import lru_cache

import sympy

from .. import ir
from ..poly import Poly
from ..shapes import sizes as size_rules
from ..symbols import dim_expr, size_symbol, to_poly
from .counts import Counts


def check_sizes(names: Sequence[str], sizes: Mapping[str, object]) -> dict[str, int]:
    """Every one of `names` set, nothing else, each a positive integer (else
    ValueError); the sizes as Python ints."""
    missing = [n for n in names if n not in sizes]
    unknown = [k for k in sizes if k not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(unknown))
        raise ValueError(f"sizes must be exactly {', '.join(names)}: {'; '.join(problems)}")
    return {key: positive_size(key, value) for key, value in sizes.items()}


def positive_size(name: str, value: object) -> int:
    """A size given to the API, as a Python int of at least 1.

    Anything `operator.index` takes is an integer (numpy's int64 too); it is
    converted, so that the count is exact Python arithmetic and cannot
    overflow as numpy's fixed-width integers would. bool is refused: `True`
    as a size is a mistake, not 1.
    """
    size = integer(value)
    if size is None or size < 1:
        raise ValueError(f"size {name} must be a positive integer, got {value!r}")
    return size


def integer(value: object) -> int | None:
    """`value` as a Python int if `operator.index` takes it and it is no bool."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def size_values(derived: Mapping[str, ir.Dim], sizes: Mapping[str, int]) -> dict[str, int]:
    """The header's sizes and the derived ones they give, in the order defined.

    A derived size that is no positive whole number at `sizes` (`size d = e / H`
    at an e that H does not divide), or a size of the cell that is less than 1
    there (`m - n` at m=2, n=3: the checks of a `shapes.sizes.Derived`), is a
    ValueError that names it (`shapes.sizes.SizeValueError`).

    >>> import symcount
    >>> s6 = symcount.builtin("s6")  # size R = ceil(D / 16)
    >>> values = size_values(s6.derived, check_sizes(["D", "N"], {"D": 100, "N": 16}))
    >>> values, trainable(s6.counts, values), value(s6.frozen, values)
    ({'D': 100, 'N': 16, 'R': 7}, 6300, 0)
    """
    return {**sizes, **size_rules.evaluate(derived, sizes)}


def value(count: Poly | sympy.Expr, values: Mapping[str, int]) -> int:
    """`count` at `values`, which give every size it is written in (derived ones too)."""
    if isinstance(count, Poly):
        return count.evaluate(values)
    return value_up(count, values)  # a count is whole: rounding up leaves it as it is


def value_up(figure: sympy.Expr, values: Mapping[str, int]) -> int:
    """A figure that may be a fraction (int4's half bytes) at `values`, rounded up.

    From its polynomial whenever it is one (`polynomial`), in Python integers;
    sympy substitutes only what is not (a ceiling left in a figure).
    """
    exact = polynomial(figure)
    if exact is None:
        return int(sympy.ceiling(figure.subs({size_symbol(k): v for k, v in values.items()})))
    numerator, denominator = exact
    return -(-numerator.evaluate(values) // denominator)


@lru_cache(maxsize=4096)
def polynomial(figure: sympy.Expr) -> tuple[Poly, int] | None:
    """A count or a cost's figure, made sympy once (`symbols.to_sympy`), back as an
    exact polynomial over a denominator (`symbols.to_poly`), once per figure: a
    sweep evaluates each at thousands of sizes (docs/cli.md, "Sweeps")."""
    return to_poly(figure)


def trainable(counts: Counts, values: Mapping[str, int]) -> int:
    """The trainable count at `values`: from its polynomial when it is one."""
    return value(counts.count if counts.total is None else counts.total, values)


def numel(counts: Counts, values: Mapping[str, int]) -> int:
    """The trainable count as `numel()` gives it (a complex entry once) at `values`."""
    return value(counts.numel if counts.numel_total is None else counts.numel_total, values)


def derived_exprs(derived: Mapping[str, ir.Dim]) -> dict[str, sympy.Expr]:
    """Each derived size's definition in the header's symbols, in order
    (a definition may use an earlier derived size: it is written out too)."""
    out: dict[str, sympy.Expr] = {}
    for name, dim in derived.items():
        out[name] = dim_expr(dim).subs({size_symbol(k): v for k, v in out.items()})
    return out


def written_out(count: sympy.Expr, derived: Mapping[str, ir.Dim]) -> sympy.Expr:
    """`count` with every derived size replaced by its definition (R as ceiling(D/16))."""
    return count.subs({size_symbol(k): v for k, v in derived_exprs(derived).items()})
