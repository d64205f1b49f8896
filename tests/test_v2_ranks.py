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
RIGHT = "the right operand of @ must be a vector, but {} is a scalar"
LEFT = (
    "the left operand of @ must be a weight or a value with axes, but 'sum(x)' is a scalar {}; "
    "a scalar multiplies with *"
)

# An expression that holds a scalar where a vector is needed, and the error, at the scalar.
SCALARS = {
    "W @ sum(x)": RIGHT.format("'sum(x)'") + f" {WHY}",
    "h[0:1] @ sum(x)": RIGHT.format("'sum(x)'") + f" {WHY}",
    "V @ (w @ x)": RIGHT.format("'w @ x'") + " (a row times a vector is one number)",
    "sum(x) @ h": LEFT.format(WHY),
    "[sum(x), h]": f"cannot concatenate the scalar {SUM}; parts of [...] must be vectors",
    "sum(x)[0:1]": f"cannot slice the scalar {SUM}",
}
for call in ["outer(sum(x), h)", "heads(sum(x), 1)", "conv1d(k, sum(x), 3)", "sum(sum(x))", "flat(sum(x))"]:
    SCALARS[call] = f"{call.split('(')[0]}() needs a vector or tensor, not the scalar {SUM}"


def cell(*lines: str) -> str:
    """A cell of size n with input x and state h: lines 1-4 are its header."""
    head = ["cell c(n)", "  input x : n", "  state h : n", "  param w : n"]
    return "\n".join(head + [f"  {line}" for line in lines] + ["end", ""])


def located(expr: str) -> tuple[str, tuple[int, int]]:
    """The cell that computes `expr` on line 5, and where its scalar stands."""
    scalar = "w @ x" if "(w @ x)" in expr else "sum(x)"
    return cell(f"y = {expr}", "h' = h"), (5, len("  y = ") + expr.index(scalar) + 1)


@pytest.mark.parametrize("expr, message", SCALARS.items(), ids=list(SCALARS))
def test_a_scalar_where_a_vector_is_needed_is_a_located_error(expr, message):
    text, where = located(expr)
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="rank.cell")
    error = info.value
    assert (error.message, error.filename, error.line, error.column) == (message, "rank.cell", *where)


@pytest.mark.parametrize("command", ["count", "check"])
@pytest.mark.parametrize("expr, message", SCALARS.items(), ids=list(SCALARS))
def test_the_command_line_reports_it(tmp_path, capsys, command, expr, message):
    text, (line, column) = located(expr)
    path = tmp_path / "rank.cell"
    path.write_text(text)
    code = cli.main([command, str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines()[0] == f"{path}:{line}:{column}: error: {message}"
    assert "Traceback" not in err


def test_a_gate_that_is_a_scalar_says_so_where_it_is_used():
    with pytest.raises(SymcountError) as info:
        symcount.loads(cell("s = sum(x)", "h' = h + W @ s"))
    error = info.value
    assert (error.message, error.line, error.column) == (RIGHT.format("'s'"), 6, 16)


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
