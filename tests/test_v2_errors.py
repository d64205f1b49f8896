"""Errors for the language v2 constructs: exact message, line, column and notes.

Each case is a whole cell with one mistake in a v2 construct (block-diagonal
weights, heads, slices, contractions, ranks, sizes defined by division, the
cell's own functions, kernels, stacking). The report must say what is wrong
and, where two places conflict, point at both. Every case is also run through
the command line: `FILE:LINE:COL: error: MESSAGE`, the source line, a caret,
exit status 1 and no traceback.
"""

import subprocess
import sys

import pytest

import symcount
from symcount import SymcountError, cli, errors

HEAD = "cell c(n, H, d)\n  input x : n\n  state h : n\n"  # lines 1-3


def body(*lines):
    return HEAD + "".join(f"  {line}\n" for line in lines) + "end\n"


def cell(header, *lines):
    return f"cell c({header})\n" + "".join(f"  {line}\n" for line in lines) + "end\n"


# (what, text, message, (line, column), [(line, column, note), ...])
CASES = [
    (
        'blockdiag on a vector of another size',
        cell("H, d, m", "input x : m", "state h : H*d", "param R : blockdiag(H, d, d)", "h' = R @ x"),
        "size mismatch: the block-diagonal 'R' has H blocks of d x d, so it takes a vector of size H*d, but 'x' has size m (not a multiple of H)",
        (5, 12),
        [(4, 3, 'declared here'), (2, 3, 'size m comes from here')],
    ),
    (
        'blockdiag on a multiple of its blocks',
        cell("H, d", "input x : 2*H", "state h : H*d", "param R : blockdiag(H, d, d)", "h' = R @ x"),
        "size mismatch: the block-diagonal 'R' has H blocks of d x d, so it takes a vector of size H*d, but 'x' has size 2*H",
        (5, 12),
        [(4, 3, 'declared here'), (2, 3, 'size 2*H comes from here')],
    ),
    (
        'heads of a size that is not a multiple',
        body("g = heads(x, H)", "h' = flat(g)"),
        "size n is not a multiple of H, so 'heads(x, H)' cannot split 'x' into H heads (give 'x' a size that is a multiple of H, such as H*d for heads of size d)",
        (4, 7),
        [(2, 3, 'size n comes from here')],
    ),
    (
        'heads whose head size is fixed elsewhere',
        cell("n, H", "input v : n", "state h : (H, n)", "h' = heads(v, H)"),
        "size mismatch: 'heads(v, H)' makes H heads of size n, which needs 'v' of size H*n, but it has size n",
        (4, 8),
        [(2, 3, 'size n comes from here'), (3, 3, 'the head size n comes from here')],
    ),
    (
        'flat whose size is fixed elsewhere',
        cell("n, H", "input v : (H, n)", "state h : n", "h' = flat(v)"),
        "size mismatch: 'flat(v)' has size H*n (H times n), but it is used where size n is needed",
        (4, 8),
        [(3, 3, 'size n comes from here')],
    ),
    (
        'groupnorm of a size that is not a multiple',
        body("h' = groupnorm(x, H)"),
        "size n is not a multiple of H, so 'groupnorm(x, H)' cannot split 'x' into H groups",
        (4, 8),
        [(3, 3, 'size n comes from here')],
    ),
    (
        'slice past the end',
        body("h' = W @ x[0:2*n]"),
        "the slice 0:2*n may reach past the end of 'x', which has size n",
        (4, 12),
        [(2, 3, 'size n comes from here')],
    ),
    (
        'slice that is empty',
        body("h' = W @ x[n:n]"),
        'the slice n:n is empty or reversed: it takes the entries from n up to, not including, n, so the end must exceed the start',
        (4, 12),
        [],
    ),
    (
        'slice reversed',
        body("h' = W @ x[n:0]"),
        'the slice n:0 is empty or reversed: it takes the entries from n up to, not including, 0, so the end must exceed the start',
        (4, 12),
        [],
    ),
    (
        'slice starting before 0',
        body("h' = W @ x[n - 2*n:n]"),
        "the slice -n:n may start before 0, the first index of 'x'",
        (4, 14),
        [],
    ),
    (
        'slice of a scalar',
        body("h' = W @ 2[0:1]"),
        "cannot slice the scalar '2'",
        (4, 12),
        [],
    ),
    (
        'contraction of mismatched axes',
        cell("H, d, n", "input q : (H, n)", "state C : (H, d, d)", "state o : (H, d)", "C' = C", "o' = C @ q"),
        "size mismatch: the last axis of 'C' has size d but the last axis of 'q' has size n; 'C @ q' sums over these two axes",
        (6, 8),
        [(3, 3, 'size d comes from here'), (2, 3, 'size n comes from here')],
    ),
    (
        'contraction q @ C mismatched',
        cell("H, d, n", "input q : (H, n)", "state C : (H, d, d)", "state o : (H, d)", "C' = C", "o' = q @ C"),
        "size mismatch: the last axis of 'q' has size n but the second to last axis of 'C' has size d; 'q @ C' sums over these two axes",
        (6, 8),
        [(2, 3, 'size n comes from here'), (3, 3, 'size d comes from here')],
    ),
    (
        'batch axes of @ differ',
        cell("H, d, n", "input q : (d, n)", "state C : (H, n, n)", "state o : (H, n)", "C' = C", "o' = C @ q"),
        "shape mismatch: 'C' has shape (H, n, n) but 'q' has shape (d, n); 'C @ q' multiplies per leading (batch) axis, so those must be equal",
        (6, 8),
        [(3, 3, 'size H comes from here'), (2, 3, 'size d comes from here')],
    ),
    (
        'ranks of @ two apart',
        cell("H, n", "input x : n", "state C : (H, n, n)", "state o : n", "C' = C", "o' = C @ x"),
        "cannot multiply 'C' of shape (H, n, n) by 'x' of shape n: @ needs ranks that differ by one (a matrix per batch entry times a vector), or are equal (a dot product per batch entry)",
        (6, 8),
        [],
    ),
    (
        'elementwise ranks do not line up',
        cell("H, d", "input a : (H, d)", "input b : (d, H, d)", "state h : (H, d)", "h' = a + b"),
        "shape mismatch: 'a' has shape (H, d) but 'b' has shape (d, H, d); shapes line up from the left, so the shorter one must be the start of the longer (as (H) is of (H, d, d)), and it repeats over the axes it lacks",
        (5, 12),
        [(2, 3, 'size H comes from here'), (3, 3, 'size d comes from here')],
    ),
    (
        'elementwise equal ranks differ',
        cell("H, d", "input a : (H, d)", "input b : (d, d)", "state h : (H, d)", "h' = a * b"),
        "shape mismatch: 'a' has shape (H, d) but 'b' has shape (d, d)",
        (5, 12),
        [(2, 3, 'size H comes from here'), (3, 3, 'size d comes from here')],
    ),
    (
        'state given a vector of another head',
        cell("H, n", "input x : n", "state C : (H, n, n)", "C' = x"),
        "shape mismatch: state 'C' has shape (H, n, n) but 'x' has shape n; shapes line up from the left, so the shorter one must be the start of the longer (as (H) is of (H, d, d)), and it repeats over the axes it lacks",
        (4, 8),
        [(3, 3, 'size H comes from here'), (2, 3, 'size n comes from here')],
    ),
    (
        'state given a value of higher rank',
        cell("H, n", "input x : (H, n, n)", "state h : (H, n)", "h' = x"),
        "shape mismatch: state 'h' has shape (H, n) but 'x' has shape (H, n, n); a new value has the state's shape, or the start of it (which repeats over the axes it lacks)",
        (4, 8),
        [],
    ),
    (
        'scalar state given a vector',
        cell("n", "input x : n", "state s : scalar", "s' = x"),
        "shape mismatch: state 's' is a scalar but 'x' has shape n",
        (4, 8),
        [],
    ),
    (
        'concat of mismatched leading axes',
        cell("H, d", "input a : (H, d)", "input b : (d, d)", "state h : (H, 2*d)", "h' = [a, b]"),
        "shape mismatch: 'a' has shape (H, d) but 'b' has shape (d, d); [...] joins the last axis, so the axes before it must be equal",
        (5, 12),
        [(2, 3, 'size H comes from here'), (3, 3, 'size d comes from here')],
    ),
    (
        'outer of mismatched leading axes',
        cell("H, d", "input a : (H, d)", "input b : (d, d)", "state C : (H, d, d)", "C' = outer(a, b)"),
        "shape mismatch: 'a' has shape (H, d) but 'b' has shape (d, d); outer() pairs the entries of the last axes per leading entry, so the axes before them must be equal",
        (5, 8),
        [(2, 3, 'size H comes from here'), (3, 3, 'size d comes from here')],
    ),
    (
        'unknown size function',
        cell("D", "size R = round(D / 16)", "input x : D", "state h : R", "h' = W @ x"),
        "unknown size function 'round' (a size may use ceil and floor, as in `size R = ceil(D / 16)`)",
        (2, 12),
        [],
    ),
    (
        "division in an input's size",
        cell("e, H", "input x : e / H", "state h : e", "h' = W @ x"),
        'division and ceil/floor may only define a size: write `size d = e / H` and use d',
        (2, 13),
        [],
    ),
    (
        "division in a parameter's size",
        cell("e, H", "input x : e", "state h : e", "param W : (e, e / H)", "h' = W @ x"),
        'division and ceil/floor may only define a size: write `size d = e / H` and use d',
        (4, 17),
        [],
    ),
    (
        'ceil in a slice',
        body("h' = W @ x[0:ceil(n)]"),
        'division and ceil/floor may only define a size: write `size d = e / H` and use d',
        (4, 16),
        [],
    ),
    (
        'division by zero in a size',
        cell("e, H", "size d = e / (H - H)", "input x : e", "state h : d", "h' = W @ x"),
        'division by zero: the divisor is 0',
        (2, 17),
        [],
    ),
    (
        'division by a negative size',
        cell("e, H", "size d = e / (H - 2*H)", "input x : e", "state h : d", "h' = W @ x"),
        'division by -H, which is never positive (sizes are positive)',
        (2, 17),
        [],
    ),
    (
        'size used before it is defined',
        body("size a = b * 2", "size b = n", "h' = h"),
        "size 'b' is used before it is defined (move `size b` up)",
        (4, 12),
        [(5, 8, "'b' is defined here")],
    ),
    (
        'size defined by itself',
        body("size a = a * 2", "h' = h"),
        "size 'a' is defined in terms of itself",
        (4, 12),
        [],
    ),
    (
        'def calling itself',
        body("def g(a) = g(a) + 1", "h' = g(h)"),
        "function 'g' calls itself; a cell's functions cannot recurse",
        (4, 14),
        [],
    ),
    (
        'def calling one defined below',
        body("def f(a) = g(a)", "def g(a) = f(a)", "h' = g(h)"),
        "function 'g' is defined below 'f'; a function may call only the functions defined above it (move its `def` up)",
        (4, 14),
        [(5, 7, "'g' is defined here")],
    ),
    (
        'def defined twice',
        body("def g(a) = a", "def g(a) = a + 1", "h' = g(h)"),
        "function 'g' is defined twice",
        (5, 7),
        [(4, 7, 'first defined here')],
    ),
    (
        'def named like a built-in',
        body("def tanh(a) = a", "h' = tanh(h)"),
        "function 'tanh' is a built-in function; give yours another name",
        (4, 7),
        [],
    ),
    (
        'def named like a state',
        body("def h(a) = a", "h' = h"),
        "function 'h' has the name of state 'h'; give the function another name",
        (4, 7),
        [(3, 3, 'declared here')],
    ),
    (
        'def with a parameter named like a function',
        body("def g(exp) = exp * 2", "h' = g(h)"),
        "'exp' is a function name; call the argument something else",
        (4, 9),
        [],
    ),
    (
        'def called with too few arguments',
        body("def g(a, b) = a * b", "h' = g(h)"),
        'g() takes exactly two arguments (a, b), got 1',
        (5, 8),
        [(4, 7, "'g' is defined here")],
    ),
    (
        'def called with too many arguments',
        body("def g(a) = a", "h' = g(h, x)"),
        'g() takes exactly one argument (a), got 2',
        (5, 8),
        [(4, 7, "'g' is defined here")],
    ),
    (
        'def calling an unknown function',
        body("def g(a) = sigmod(a)", "h' = h"),
        "unknown function 'sigmod' (did you mean 'sigmoid'?)",
        (4, 14),
        [],
    ),
    (
        'def used as a value',
        body("def g(a) = a", "h' = g * h"),
        "'g' is a function; call it as g(...)",
        (5, 8),
        [],
    ),
    (
        'def whose body fails for its arguments',
        body("def split(v, k) = heads(v, k)", "h' = flat(split(x, H)) + h"),
        "size n is not a multiple of H, so 'heads(v, k)' cannot split 'x' into H heads (give 'x' a size that is a multiple of H, such as H*d for heads of size d)",
        (4, 21),
        [(2, 3, 'size n comes from here'), (5, 13, "in 'split', called here")],
    ),
    (
        'built-in with too few arguments',
        body("h' = flat(heads(x))"),
        'heads() takes exactly two arguments, got 1',
        (4, 13),
        [],
    ),
    (
        'conv1d with one argument',
        body("h' = conv1d(w)"),
        'conv1d() takes two or three arguments, got 1',
        (4, 8),
        [],
    ),
    (
        'outer with three arguments',
        body("h' = flat(outer(x, x, x))"),
        'outer() takes exactly two arguments, got 3',
        (4, 13),
        [],
    ),
    (
        'size argument that is a value',
        body("h' = flat(heads(x, h))"),
        "argument 2 of heads() must be a size (a size symbol, a whole number, or a sum or product of them, such as heads(v, H)), not 'h'",
        (4, 22),
        [],
    ),
    (
        'size argument that is a fraction',
        body("h' = flat(heads(x, 2.5))"),
        "argument 2 of heads() must be a size (a size symbol, a whole number, or a sum or product of them, such as heads(v, H)), not '2.5'",
        (4, 22),
        [],
    ),
    (
        'size argument with a division',
        body("h' = flat(heads(x, n / 2))"),
        "argument 2 of heads() must be a size (a size symbol, a whole number, or a sum or product of them, such as heads(v, H)), not 'n / 2'; for a quotient, define it first (`size k = n / 2`) and give k",
        (4, 22),
        [],
    ),
    (
        'size argument that is zero',
        body("h' = flat(heads(x, n - n))"),
        'a size must be positive, but 0 never is',
        (4, 22),
        [],
    ),
    (
        'kernel width zero',
        body("h' = conv1d(w, x, 0)"),
        'a size must be positive, but 0 never is',
        (4, 21),
        [],
    ),
    (
        'input declared blockdiag',
        cell("H, d", "input x : blockdiag(H, d, d)", "state h : H*d", "h' = W @ x"),
        "input 'x' cannot be blockdiag: blockdiag(...) is a weight's shape, and a value's is a size, a tuple of sizes or scalar (write `input x : H*d`)",
        (2, 13),
        [],
    ),
    (
        'state declared diag',
        cell("n", "input x : n", "state h : diag(n)", "h' = W @ x"),
        "state 'h' cannot be diag: diag(...) is a weight's shape, and a value's is a size, a tuple of sizes or scalar (write `state h : n`)",
        (3, 13),
        [],
    ),
    (
        'kernel that is an input',
        body("h' = conv1d(x, h, 3)"),
        "the first argument of conv1d() is its kernel, a parameter (as w in conv1d(w, x)), not input 'x'",
        (4, 15),
        [],
    ),
    (
        'kernel that is an expression',
        body("h' = conv1d(2 * w, h, 3)"),
        "the first argument of conv1d() is its kernel, a parameter (as w in conv1d(w, x)), not '2 * w'",
        (4, 15),
        [],
    ),
    (
        'kernel declared as a vector',
        body("param w : n", "h' = conv1d(w, x)"),
        "'w' is the kernel of conv1d(): it needs 2 sizes, as in `param w : (C, K)`",
        (5, 15),
        [(4, 3, 'declared here')],
    ),
    (
        'kernel width unknown',
        body("h' = conv1d(w, x)"),
        "cannot infer the kernel width of 'w'; give it as the third argument (conv1d(w, v, K)) or declare the parameter with its sizes",
        (4, 15),
        [],
    ),
    (
        'kernel reused with another width',
        body("g = conv1d(w, x, 3)", "h' = conv1d(w, h, 4)"),
        "the kernel 'w' has shape (n, 3) where it is first used, but 'conv1d(w, h, 4)' needs shape (n, 4); a kernel has one shape",
        (5, 15),
        [(4, 20, 'size 3 comes from here'), (5, 21, 'size 4 comes from here')],
    ),
    (
        'conv on a vector',
        body("h' = conv(w, x, 3)"),
        "conv() reads a feature map (channels, then spatial axes), not the vector 'x'; use conv1d() for a convolution over time",
        (4, 16),
        [],
    ),
    (
        'flat of a vector',
        body("h' = flat(x)"),
        "flat() needs a value of rank 2 or more, not 'x'",
        (4, 8),
        [],
    ),
    (
        'norm of a scalar',
        body("h' = layernorm(2) + h"),
        "layernorm() needs a vector or tensor, not the scalar '2'",
        (4, 18),
        [],
    ),
    (
        'blockdiag used elementwise',
        body("param R : blockdiag(H, d, d)", "h' = R * h"),
        "'R' is declared as a blockdiag matrix; use it on the left of @, as in R @ x",
        (5, 8),
        [(4, 3, 'declared here')],
    ),
    (
        'tensor parameter left of @',
        body("param T : (n, n, n)", "h' = T @ h"),
        "'T' is declared as a tensor; the left operand of @ must be a matrix, diag, blockdiag or (a row) vector",
        (5, 8),
        [(4, 3, 'declared here')],
    ),
    (
        'free extent in a parameter',
        cell("n", "size rows", "input x : (n, rows)", "state h : (n, rows)", "h' = tanh(x + b)"),
        "parameter 'b' has shape (n, rows), which depends on 'rows', a size the header does not list; add it to the header to count it",
        (5, 17),
        [(2, 3, 'declared here')],
    ),
    (
        'unknown norm',
        body("h' = layernom(x)"),
        "unknown function 'layernom' (did you mean 'layernorm'?)",
        (4, 8),
        [],
    ),
]


def load_error(text):
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename="bad.cell")
    return info.value


@pytest.mark.parametrize(
    "text, message, where, notes", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_message_line_column_and_notes(text, message, where, notes):
    e = load_error(text)
    assert e.message == message
    assert (e.filename, e.line, e.column) == ("bad.cell", *where)
    assert [(n.location.line, n.location.column, n.message) for n in e.notes] == notes


@pytest.mark.parametrize("text, message, where", [c[1:4] for c in CASES], ids=[c[0] for c in CASES])
def test_the_command_line_reports_it_with_a_caret(tmp_path, capsys, text, message, where):
    path = tmp_path / "bad.cell"
    path.write_text(text)
    code = cli.main(["count", str(path)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    line, column = where
    report = err.splitlines()
    errors_at = [i for i, row in enumerate(report) if ": error: " in row]
    first = report[errors_at[0]]
    assert first == f"{path}:{line}:{column}: error: {message}"
    # The source line, then a caret under the column.
    source_line = text.split("\n")[line - 1]
    assert report[errors_at[0] + 1] == "    " + errors._printable(source_line)
    caret = report[errors_at[0] + 2]
    assert caret.index("^") == 4 + column - 1
    assert "Traceback" not in err


def test_cases_have_distinct_names():
    assert len({c[0] for c in CASES}) == len(CASES)


# ---- sizes defined by division, evaluated at given sizes ----

HEAD_SIZE = cell(
    "e, H",
    "size d = e / H",
    "input x : e",
    "state h : e",
    "param R : blockdiag(H, d, d)",
    "h' = tanh(R @ h + W @ x)",
)


def test_a_division_that_does_not_divide_is_a_value_error_naming_the_size():
    [c] = symcount.loads(HEAD_SIZE, filename="heads.cell")
    assert c.evaluate(e=12, H=3) == 3 * 4 * 4 + 12 * 12
    with pytest.raises(ValueError) as info:
        c.evaluate(e=10, H=3)
    assert str(info.value) == "size d = e / H is not a whole number (10/3) at H=3, e=10"


@pytest.mark.parametrize(
    "definition, sizes, message",
    [
        ("d = e / (H - 1)", {"e": 4, "H": 1}, "size d = e / (H - 1) divides by zero (4/0) at H=1, e=4"),
        ("d = floor(e / 16)", {"e": 5, "H": 1}, "size d = floor(e / 16) is 0; a size is at least 1 at e=5"),
        ("d = ceil(e / (H - 1))", {"e": 5, "H": 1}, "size d = ceil(e / (H - 1)) divides by zero (5/0) at H=1, e=5"),
        (
            "d = e - ceil(e / H) * 2",
            {"e": 4, "H": 1},
            "size d = e - ceil(e / H) * 2 is -4; a size is at least 1 at H=1, e=4",
        ),
        ("d = e / H / 2", {"e": 6, "H": 2}, "size d = e / H / 2 is not a whole number (3/2) at H=2, e=6"),
        ("d = e / (H * 2)", {"e": 6, "H": 2}, "size d = e / (H * 2) is not a whole number (6/4) at H=2, e=6"),
    ],
)
def test_derived_sizes_that_are_no_size_at_the_values_given(definition, sizes, message):
    # The message names the size, its definition as written and the sizes it read.
    text = cell("e, H", f"size {definition}", "input x : e", "state h : d", "h' = tanh(W @ x)")
    [c] = symcount.loads(text, filename="d.cell")
    with pytest.raises(ValueError) as info:
        c.evaluate(**sizes)
    assert str(info.value) == message


def test_ceil_and_floor_divide_exactly_inside():
    # Inside ceil/floor a division is a real one: ceil(D / 16 / 2) is ceil(D / 32),
    # not an error where 16 does not divide D.
    text = cell("D", "size R = ceil(D / 16 / 2)", "input x : D", "state h : R", "h' = W @ x")
    [c] = symcount.loads(text)
    assert c.evaluate(D=33) == 2 * 33
    assert c.evaluate(D=32) == 1 * 32


def test_the_command_line_reports_a_size_that_does_not_divide(tmp_path):
    # A real process, so that a traceback would show on stderr. The sizes
    # given are what is wrong: a usage error (exit 2).
    path = tmp_path / "heads.cell"
    path.write_text(HEAD_SIZE)
    result = subprocess.run(
        [sys.executable, "-m", "symcount", "count", str(path), "--set", "e=10", "--set", "H=3"],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        "symcount: error: --set: in cell 'c', size d = e / H is not a whole number (10/3) at H=3, e=10"
    )


@pytest.mark.parametrize("command", ["count", "latex"])
@pytest.mark.parametrize("form", ["text", "json", "markdown"])
def test_every_format_reports_it_the_same(tmp_path, capsys, command, form):
    path = tmp_path / "heads.cell"
    path.write_text(HEAD_SIZE)
    argv = [command, str(path), "--set", "e=10", "--set", "H=3"]
    if command == "count":
        argv += ["--format", form]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1].endswith("size d = e / H is not a whole number (10/3) at H=3, e=10")
    assert "Traceback" not in err


# ---- the cell's own functions: inlining is bounded ----


def test_functions_that_nest_too_deeply_once_inlined():
    deep = "tanh(" * 60 + "a" + ")" * 60
    defs = [f"def f1(a) = {deep}", "def f2(a) = f1(f1(a))"]
    e = load_error(body(*defs, "h' = f2(h)"))
    assert e.message == (
        "calls of the cell's functions nest too deeply once inlined (more than 100 levels)"
    )
    assert (e.line, e.column) == (6, 8)


def test_functions_that_grow_too_large_once_inlined():
    defs = ["def f1(a) = a * a"] + [f"def f{k}(a) = f{k - 1}(a) + f{k - 1}(a)" for k in range(2, 40)]
    e = load_error(body(*defs, "h' = f39(h)"))
    assert e.message == (
        "calls of the cell's functions grow too large once inlined (more than 100,000 operations)"
    )
    assert (e.line, e.column) == (43, 8)


# ---- stacking needs a vector output ----


@pytest.mark.parametrize("flags", [["--layers", "2"], ["--bidirectional"], ["--layers", "L"]])
def test_stacking_a_cell_whose_output_is_a_matrix(tmp_path, capsys, flags):
    text = cell(
        "H, d",
        "input x : H*d",
        "state C : (H, d, d)",
        "C' = C + outer(heads(x, H), heads(x, H))",
    )
    with pytest.raises(SymcountError, match="cannot stack cell 'c'") as info:
        symcount.loads(text, filename="m.cell")[0].stacked(2)
    assert (info.value.line, info.value.column) == (1, 6)
    path = tmp_path / "m.cell"
    path.write_text(text)
    # The flag does not apply to the cell: a usage error (docs/cli.md, "Exit status").
    assert cli.main(["count", str(path), *flags]) == 2
    err = capsys.readouterr().err
    flag = " ".join(flags) if flags[0] == "--layers" else "--bidirectional"
    assert f"symcount: error: {flag}: {path}:1:6: cannot stack cell 'c'" in err
    assert "Traceback" not in err
