"""Every bad input gives one SymcountError with the exact line and column."""

import pytest

import symcount
from symcount import SymcountError, errors

HEAD = "cell c(m, n)\n  input x : m\n  state h : n\n"  # lines 1-3


def body(*lines):
    return HEAD + "".join(f"  {line}\n" for line in lines) + "end\n"


CASES = [
    # --- size problems ---
    (
        "mismatch",
        body("h' = tanh(x + h)"),
        "size mismatch: 'x' has size m but 'h' has size n",
        4,
        17,
    ),
    (
        "mismatch via later gate",
        body("f = sigmoid(W @ x)", "h' = f * h + x"),
        "size mismatch",
        5,
        16,
    ),
    ("matrix used with two widths", body("a = W @ x", "h' = W @ h"), "size mismatch", 5, 12),
    ("declared shape wins", body("param W : (n, n)", "h' = W @ x"), "size mismatch", 5, 12),
    (
        "cannot infer",
        body("g = sigmoid(b)", "h' = h"),
        "cannot infer the size of parameter 'b'; declare it with `param b : SIZE`",
        4,
        15,
    ),
    (
        "cannot infer rows",
        body("g = W @ x", "h' = h"),
        "cannot infer the rows of parameter 'W'",
        4,
        7,
    ),
    (
        "vector then matrix",
        body("a = b * h", "h' = b @ h"),
        "'b' is used as a matrix here but as a vector before",
        5,
        8,
    ),
    (
        # v2: a declared vector on the left of @ is a row (wᵀh); a scalar is not a weight
        "declared scalar left of @",
        body("param b : scalar", "h' = b @ h"),
        "'b' is declared as a scalar",
        5,
        8,
    ),
    (
        # v2: a matrix parameter may be used elementwise (Mamba's A_log); here
        # h (n) repeats over W's rows and the product is (n, n), not a state's n.
        "declared matrix elementwise",
        body("param W : (n, n)", "h' = W * h"),
        "shape mismatch: state 'h' has shape n but 'W * h' has shape (n, n)",
        5,
        8,
    ),
    ("scalar right of @", body("h' = W @ 2"), "the right operand of @ must be a vector", 4, 12),
    ("scalar in concat", body("h' = W @ [x, 1]"), "cannot concatenate the scalar '1'", 4, 16),
    # --- states and names ---
    (
        "never updated",
        HEAD + "  state c : n\n  h' = h\nend\n",
        "state 'c' is never updated (add an equation c' = ...)",
        4,
        9,
    ),
    ("updated twice", body("h' = h", "h' = W @ h"), "state 'h' is updated twice", 5, 3),
    ("assigned twice", body("g = h", "g = W @ h", "h' = g"), "'g' is assigned twice", 5, 3),
    (
        "used before defined",
        body("h' = f * h", "f = sigmoid(W @ x)"),
        "'f' is used before it is defined",
        4,
        8,
    ),
    ("new value before defined", body("g = h'", "h' = h"), "h' is used before it is defined", 4, 7),
    ("self reference", body("g = W @ g", "h' = g"), "'g' is used before it is defined", 4, 11),
    ("prime on a gate", body("g' = h", "h' = h"), "'g' is not a state", 4, 3),
    ("prime on an input in use", body("h' = x'"), "'x' is not a state", 4, 8),
    (
        "state assigned without prime",
        body("h = W @ x"),
        "'h' is a state: write h' = ... for its new value",
        4,
        3,
    ),
    ("assign to input", body("x = h", "h' = h"), "cannot assign to input 'x'", 4, 3),
    (
        "left of @ is an input",
        body("h' = x @ h"),
        "the left operand of @ must be a parameter (a weight), not input 'x'",
        4,
        8,
    ),
    ("left of @ is a gate", body("g = h", "h' = g @ h"), "not gate 'g'", 5, 8),
    ("left of @ is negated", body("h' = -W @ h"), "unary minus binds tighter than @", 4, 8),
    ("left of @ is an expression", body("h' = (W + V) @ h"), "not an expression", 4, 9),
    (
        "size symbol declared",
        "cell c(m, n)\n  input n : m\n  state h : m\n  h' = h\nend\n",
        "'n' is both a size symbol and a variable",
        2,
        9,
    ),
    ("size symbol assigned", body("m = h", "h' = h"), "cannot assign to size symbol 'm'", 4, 3),
    (
        "unknown size symbol",
        "cell c(m, n)\n  input x : k\n  state h : n\n  h' = h\nend\n",
        "unknown size symbol 'k'",
        2,
        13,
    ),
    (
        "size symbol twice",
        "cell c(n, n)\n  state h : n\n  h' = h\nend\n",
        "size symbol 'n' is listed twice",
        1,
        11,
    ),
    (
        "declared twice",
        body("param b : n", "param b : n", "h' = h + b"),
        "'b' is declared twice",
        5,
        9,
    ),
    (
        "no equations",
        "cell c(m, n)\n  input x : m\nend\n",
        "cell 'c' has no equations (a cell computes at least one value)",
        1,
        6,
    ),
    (
        "unknown function",
        body("h' = sigmod(W @ x)"),
        "unknown function 'sigmod' (did you mean 'sigmoid'?)",
        4,
        8,
    ),
    ("function arity", body("h' = tanh(h, h)"), "tanh() takes exactly one argument, got 2", 4, 8),
    ("function as a variable", body("h' = tanh * h"), "'tanh' is a function", 4, 8),
    (
        "bad output",
        HEAD + "  output y\n  h' = h\nend\n",
        "output 'y' is not a state or an intermediate",
        4,
        10,
    ),
    (
        "duplicate cell",
        "cell c(n)\n state h : n\n h' = h\nend\ncell c(n)\n state h : n\n h' = h\nend\n",
        "cell 'c' is defined twice",
        5,
        6,
    ),
    # --- syntax ---
    ("empty file", "", "no cell in this input", 1, 1),
    ("only comments", "# nothing here\n\n", "no cell in this input", 1, 1),
    ("missing )", body("h' = tanh(W @ x"), "'(' was never closed", 4, 12),
    ("missing ]", body("h' = W @ [x, h"), "'[' was never closed", 4, 12),
    ("unmatched )", body("h' = tanh(W @ x))"), "unmatched ')'", 4, 19),
    ("missing =", body("h' tanh(W @ x)"), "missing '=' in equation", 4, 6),
    ("missing expression", body("h' = W @ x +"), "expected an expression", 4, 15),
    # Found comparing fuzzing runs: these parser states had no example, so the
    # message was a bare list of tokens.
    ("missing expression in a call", body("h' = tanh(x - )"), "expected an expression", 4, 17),
    ("operator twice", body("h' = (h + h) / /h"), "expected an expression (found '/')", 4, 18),
    (
        "two statements on a line",
        body("h' = W @ x g = h"),
        "one equation or declaration per line",
        4,
        14,
    ),
    ("missing end", HEAD + "  h' = h\n", "missing 'end' to close the cell", 4, 9),
    ("statement outside a cell", "h' = h\n", "statements must be inside a cell", 1, 1),
    (
        "header without sizes",
        "cell c\n  state h : n\nend\n",
        "expected the size symbols in parentheses",
        1,
        7,
    ),
    ("declaration without size", body("param W", "h' = W @ h"), "expected ':' and a size", 4, 10),
    ("fractional size", "cell c(n)\n  state h : 1.5\n  h' = h\nend\n", "expected a size", 2, 14),
    ("stray character", body("h' = h $ 2"), "unexpected character '$'", 4, 10),
    ("detached prime", body("h ' = h"), 'unexpected character "\'"', 4, 5),
    ("NUL byte", body("h' = h\x00"), "unexpected character '\\x00'", 4, 9),
    # --- `latex NAME "TEXT"` overrides ---
    (
        "override of a name the cell lacks",
        body("h' = W_xi @ x", 'latex W_ix "W"'),
        "'W_ix' is not a name of cell 'c'; a LaTeX override is for an input, state, gate "
        "or parameter (did you mean 'W_xi'?)",
        5,
        9,
    ),
    (
        "override of a size symbol",
        body("h' = W @ x", 'latex n "N"'),
        "'n' is a size symbol",
        5,
        9,
    ),
    ("override of a function", body("h' = tanh(W @ x)", 'latex tanh "T"'), "is a function", 5, 9),
    (
        "override of a new value",
        body("h' = W @ x", 'latex h\' "H"'),
        "an override is for the name itself: write `latex h ...`",
        5,
        9,
    ),
    (
        "override twice",
        body("h' = W @ x", 'latex W "A"', 'latex W "B"'),
        "'W' has two LaTeX overrides",
        6,
        9,
    ),
    (
        "override opens a brace",
        body("h' = W @ x", 'latex W "W_{\\xi"'),
        "LaTeX override for 'W': '{' is never closed",
        5,
        14,
    ),
    ("override closes a brace", body("h' = W @ x", 'latex W "W}"'), "unmatched '}'", 5, 13),
    ("override with $", body("h' = W @ x", 'latex W "W$x$"'), "'$' would leave math mode", 5, 13),
    ("override with %", body("h' = W @ x", 'latex W "W %"'), "'%' would comment out", 5, 14),
    ("override with &", body("h' = W @ x", 'latex W "a & b"'), "'&' would split", 5, 14),
    (
        "override ends the environment",
        body("h' = W @ x", 'latex W "W\\end{align}"'),
        "\\end is not allowed: it would open or close an environment",
        5,
        13,
    ),
    (
        "override breaks the line",
        body("h' = W @ x", 'latex W "a\\\\b"'),
        "\\\\ is not allowed: it would end the equation",
        5,
        13,
    ),
    ("override ends a row", body("h' = W @ x", 'latex W "a\\cr b"'), "would end the", 5, 13),
    ("override skips", body("h' = W @ x", 'latex W "W\\iffalse"'), "would skip part", 5, 13),
    ("override redefines", body("h' = W @ x", 'latex W "\\def\\W{}"'), "how LaTeX reads", 5, 12),
    ("override leaves math", body("h' = W @ x", 'latex W "\\)W"'), "leave math mode", 5, 12),
    ("empty override", body("h' = W @ x", 'latex W " "'), "the LaTeX is empty", 5, 12),
    ("override not ASCII", body("h' = W @ x", 'latex W "\u03be"'), "is not ASCII", 5, 12),
    (
        "override without its text",
        body("h' = W @ x", "latex W"),
        'expected a name and its LaTeX in double quotes, as in `latex W_xi "W_{\\xi}"`',
        5,
        10,
    ),
    ("too deep", body("h' = " + "tanh(" * 150 + "h" + ")" * 150), "nested too deeply", 4, 508),
    ("deep parentheses inside calls", body("h' = " + "-" * 500 + "h"), "nested too deeply", 4, 108),
]


@pytest.mark.parametrize(
    "text, message, line, column", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_error_location(text, message, line, column):
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="bad.cell")
    e = info.value
    assert message in e.message
    assert (e.filename, e.line, e.column) == ("bad.cell", line, column)
    rendered = e.render().splitlines()
    assert rendered[0] == f"bad.cell:{line}:{column}: error: {e.message}"
    # The caret sits under the character at the column (also when a long line
    # is shown as a window), or just past the end of the line.
    source_line, shown = text.split("\n")[line - 1], rendered[1][4:]
    caret = rendered[2].index("^") - 4
    assert shown[caret : caret + 1] == errors._printable(source_line[column - 1 : column])


def test_conflict_points_at_both_places():
    with pytest.raises(SymcountError) as info:
        symcount.loads(body("h' = tanh(x + h)"), filename="bad.cell")
    notes = [(n.location.line, n.location.column, n.message) for n in info.value.notes]
    assert notes == [(2, 3, "size m comes from here"), (3, 3, "size n comes from here")]
    text = info.value.render()
    assert "bad.cell:2:3: note: size m comes from here" in text


def test_twice_points_at_first():
    with pytest.raises(SymcountError) as info:
        symcount.loads(body("h' = h", "h' = W @ h"), filename="bad.cell")
    [note] = info.value.notes
    assert (note.location.line, note.location.column) == (4, 3)


def test_ten_thousand_nested_parentheses_is_clean():
    deep = "(" * 10_000 + "h" + ")" * 10_000
    [cell] = symcount.loads(body(f"h' = W @ {deep}"))  # plain grouping: works
    assert str(cell.count) == "n**2"
    with pytest.raises(SymcountError, match="nested too deeply"):
        symcount.loads(body("h' = " + "tanh(" * 10_000 + "h" + ")" * 10_000))
    with pytest.raises(SymcountError, match="was never closed"):
        symcount.loads(body("h' = " + "(" * 10_000 + "h"))


def test_invalid_utf8_is_located(tmp_path):
    path = tmp_path / "bad.cell"
    path.write_bytes(b"cell c(n)\n  state h : n\n  h' = h # caf\xe9\nend\n")
    with pytest.raises(SymcountError) as info:
        symcount.load(path)
    e = info.value
    assert (e.line, e.column) == (3, 15)
    assert "not valid UTF-8 (byte 0xe9)" in e.message


def test_unknown_builtin():
    with pytest.raises(
        SymcountError, match=r"no built-in cell named 'lstn' \(did you mean 'lstm'\?\)"
    ):
        symcount.builtin("lstn")


def test_errors_never_come_from_python_evaluation():
    # Text that would do something if it reached eval: it must be a plain syntax error.
    with pytest.raises(SymcountError):
        symcount.loads(body("h' = __import__('os').system('true')"))


@pytest.mark.parametrize(
    "decl, column, shown",
    [("input x : n - 2*n", 13, "-n"), ("input x : 0", 13, "0"), ("param W : (0, n)", 14, "0")],
)
def test_sizes_must_be_able_to_be_positive(decl, column, shown):
    text = f"cell c(n)\n  {decl}\n  state h : n\n  h' = W @ x\nend\n"
    if not decl.startswith("input"):
        text = text.replace("  state h", "  input x : n\n  state h")
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="bad.cell")
    assert info.value.message == f"a size must be positive, but {shown} never is"
    assert (info.value.line, info.value.column) == (2, column)
