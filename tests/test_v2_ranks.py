"""Values of the wrong rank: a scalar where a vector is needed, and `@` between
values with a negated operand.

A value with no axis left (`sum(x)` of a vector, a row product `w @ x`) is a
scalar: every construct that needs a vector says so at the scalar, in `count`,
`check` and `loads` alike, never with a traceback (docs/errors.md). `(-k) @ S`
between values is a product of values like `k @ S` (docs/language.md, "Products").
"""

import pytest

import symcount
from symcount import SymcountError, cli

WHY = "(sum() adds up the last axis of 'x', its only one)"
SUM = f"'sum(x)' {WHY}"


def cell(*lines: str) -> str:
    """A cell of size n with input x and state h: lines 1-4 are its header."""
    head = ["cell c(n)", "  input x : n", "  state h : n", "  param w : n"]
    return "\n".join(head + [f"  {line}" for line in lines] + ["end", ""])


# (what, the equations from line 5, message, (line, column))
SCALARS = [
    ("weight on a sum", ["y = W @ sum(x)", "h' = h + y"],
     f"the right operand of @ must be a vector, but 'sum(x)' is a scalar {WHY}", (5, 11)),
    ("concatenated sum", ["y = [sum(x), h]", "h' = W @ y"],
     f"cannot concatenate the scalar {SUM}; parts of [...] must be vectors", (5, 8)),
    ("weight on a row product", ["y = V @ (w @ x)", "h' = h + y"],
     "the right operand of @ must be a vector, but 'w @ x' is a scalar (a row times a vector "
     "is one number)", (5, 12)),
    ("outer of a sum", ["y = outer(sum(x), h)", "h' = h + sum(y)"],
     f"outer() needs a vector or tensor, not the scalar {SUM}", (5, 13)),
    ("heads of a sum", ["y = heads(sum(x), 1)", "h' = h + flat(y)"],
     f"heads() needs a vector or tensor, not the scalar {SUM}", (5, 13)),
    ("conv1d over a sum", ["y = conv1d(k, sum(x), 3)", "h' = h + y"],
     f"conv1d() needs a vector or tensor, not the scalar {SUM}", (5, 17)),
    ("value product of a sum", ["y = h[0:1] @ sum(x)", "h' = h + y"],
     f"the right operand of @ must be a vector, but 'sum(x)' is a scalar {WHY}", (5, 16)),
    ("sum on the left of @", ["y = sum(x) @ h", "h' = h + y"],
     "the left operand of @ must be a weight or a value with axes, but 'sum(x)' is a scalar "
     f"{WHY}; a scalar multiplies with *", (5, 7)),
    ("slice of a sum", ["y = sum(x)[0:1]", "h' = h + y"], f"cannot slice the scalar {SUM}", (5, 7)),
    ("sum of a sum", ["y = sum(sum(x))", "h' = h + y"],
     f"sum() needs a vector or tensor, not the scalar {SUM}", (5, 11)),
    ("a gate that is a sum", ["s = sum(x)", "h' = h + W @ s"],
     "the right operand of @ must be a vector, but 's' is a scalar", (6, 16)),
]  # fmt: skip
IDS = [case[0] for case in SCALARS]


@pytest.mark.parametrize("what, lines, message, where", SCALARS, ids=IDS)
def test_a_scalar_where_a_vector_is_needed_is_a_located_error(what, lines, message, where):
    with pytest.raises(SymcountError) as info:
        symcount.loads(cell(*lines), filename="rank.cell")
    error = info.value
    assert (error.message, error.filename, error.line, error.column) == (message, "rank.cell", *where)


@pytest.mark.parametrize("command", ["count", "check"])
@pytest.mark.parametrize("what, lines, message, where", SCALARS, ids=IDS)
def test_the_command_line_reports_it(tmp_path, capsys, command, what, lines, message, where):
    path = tmp_path / "rank.cell"
    path.write_text(cell(*lines))
    code = cli.main([command, str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines()[0] == f"{path}:{where[0]}:{where[1]}: error: {message}"
    assert "Traceback" not in err


def test_a_scalar_still_scales_a_vector():
    """Only where a vector is needed is a scalar refused: `sum(x) * h` is fine."""
    [c] = symcount.loads(cell("h' = sum(x) * h + (w @ x) * (W @ h)"))
    assert c.evaluate(n=3) == 3 + 9


# ---- (-k) @ S between values ----

NEGATED = """\
cell neg(H, d)
  input k : (H, d)
  state S : (H, d, d)
  y = (-k) @ S
  S' = S + outer(y, W @ k)
end
"""


def test_a_negated_value_on_the_left_of_a_product_of_values():
    [c] = symcount.loads(NEGATED)
    [plain] = symcount.loads(NEGATED.replace("(-k)", "k"))
    assert c.evaluate(H=2, d=3) == plain.evaluate(H=2, d=3) == 9
    assert c.shapes.reads_transposed(c.scope.equations[0].expr)


def test_a_negated_value_round_trips_through_fmt(tmp_path, capsys):
    """Unary minus binds tighter than @: fmt leaves out the parentheses, and what it
    prints reads back to the same cell."""
    path = tmp_path / "neg.cell"
    path.write_text(NEGATED)
    assert cli.main(["fmt", str(path)]) == 0
    formatted = capsys.readouterr().out
    assert "y = -k @ S" in formatted
    assert symcount.loads(formatted)[0].evaluate(H=2, d=3) == 9


def test_a_negated_weight_still_says_where_the_minus_goes():
    """`-W @ x` reads (-W) @ x: the minus belongs outside, -(W @ x)."""
    with pytest.raises(SymcountError) as info:
        symcount.loads("cell c(n)\n  state h : n\n  h' = -W @ h\nend\n")
    assert info.value.message == (
        "the left operand of @ must be a parameter; unary minus binds tighter than @, so write -(W @ x)"
    )
