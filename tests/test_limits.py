"""Inputs at the documented limits either work or give one clean, located error.

docs/errors.md ("Limits") lists what is tested here: a 1 MB spec, 5,000
equations in one cell, 10,000 nested parentheses, 10,000 terms in one sum, a
100,000-character line, NUL bytes and invalid UTF-8; plus the regressions the
fuzzers found around them.
"""

import pytest

import symcount
from conftest import m, n, same
from symcount import SymcountError, cli, errors, sources, syntax

HEAD = "cell c(m, n)\n  input x : m\n  state h : n\n"  # lines 1-3


def body(*lines):
    return HEAD + "".join(f"  {line}\n" for line in lines) + "end\n"


def error_of(text, filename="big.cell"):
    with pytest.raises(SymcountError) as info:
        symcount.loads(text, filename=filename)
    return info.value


def assert_caret_under(e, text):
    """The rendered report puts its caret under the error's column, in few columns."""
    rendered = e.render().splitlines()
    assert all(len(line) < 700 for line in rendered)
    shown, caret = rendered[1][4:], rendered[2].index("^") - 4
    source_line = text.split("\n")[e.line - 1].removesuffix("\r")
    assert shown[caret : caret + 1] == errors._printable(source_line[e.column - 1 : e.column])


# ---- size ----


def test_one_megabyte_spec_of_many_cells():
    lstm = sources.builtin_text("lstm")
    copies = 1_000_000 // len(lstm) + 1
    text = "".join(lstm.replace("cell lstm(", f"cell lstm{i}(") for i in range(copies))
    assert len(text) >= 1_000_000
    cells = symcount.loads(text)
    assert len(cells) == copies
    assert {cell.evaluate(m=3, n=2) for cell in cells} == {48}


def test_five_thousand_equations_in_one_cell():
    gates = [
        f"g{k} = sigmoid(W{k} @ x + U{k} @ {'h' if k == 1 else f'g{k - 1}'} + b{k})"
        for k in range(1, 5_000)
    ]
    # The last equation gives every gate its size (sizes flow between equations).
    update = "h' = " + " * ".join(f"g{k}" for k in range(1, 5_000))
    [cell] = symcount.loads(body(*gates, update))
    assert len(cell.ir.equations) == 5_000
    assert same(cell.count, 4_999 * (m * n + n**2 + n))


def test_ten_thousand_terms_in_one_sum():
    terms = " + ".join(f"W{k} @ x" for k in range(10_000))
    [cell] = symcount.loads(body(f"h' = tanh({terms})"))
    assert same(cell.count, 10_000 * m * n)
    assert len(cell.params) == 10_000


def test_ten_thousand_nested_parentheses_in_sizes():
    deep = "(" * 10_000 + "n" + ")" * 10_000
    [cell] = symcount.loads(f"cell c(n)\n  state h : {deep}\n  h' = U @ h\nend\n")
    assert same(cell.count, n**2)


@pytest.mark.parametrize("operator", ["+", "*"])
def test_deeply_nested_sizes_are_a_located_error(operator):
    # Regression (fuzzing): `(n + (n + (...)))` nests the IR, and counting it
    # recursed until Python's recursion limit.
    deep = f"(n {operator} " * 3_000 + "n" + ")" * 3_000
    e = error_of(f"cell c(n)\n  input x : {deep}\n  state h : n\n  h' = W @ x\nend\n")
    assert "nested too deeply" in e.message
    assert e.line == 2
    assert_caret_under(e, f"cell c(n)\n  input x : {deep}\n")


def test_deep_nesting_across_short_lines_is_found():
    # Only texts longer than MAX_DEPTH characters are walked for their depth;
    # one spread over many short lines still is.
    text = body("h' = " + "tanh(\n" * 150 + "h" + ")" * 150)
    e = error_of(text)
    assert "nested too deeply" in e.message
    assert_caret_under(e, text)


def test_a_size_with_too_many_digits_is_a_located_error():
    # Regression (fuzzing): Python refuses to convert a 5,000-digit string to
    # an int, which escaped as a lark VisitError.
    text = f"cell c(n)\n  input x : {'9' * 5_000}\n  state h : n\n  h' = W @ x\nend\n"
    e = error_of(text)
    assert e.message == f"a size has at most {syntax.MAX_DIGITS} digits; this one has 5000"
    assert (e.line, e.column) == (2, 13)
    assert_caret_under(e, text)
    [cell] = symcount.loads(text.replace("9" * 5_000, "9" * syntax.MAX_DIGITS))
    assert cell.evaluate(n=1) == int("9" * syntax.MAX_DIGITS)


def test_sizes_of_high_degree_or_many_terms_are_a_located_error():
    # Found probing what fuzzing could reach: `(m + n + k + 1)` multiplied
    # thirty times expands to 5,456 terms, which sympy took 15 s to factor;
    # longer products never finished.
    factor = "(m + n + k + 1)"
    text = f"cell c(m, n, k)\n  input x : {'*'.join([factor] * 30)}\n  state h : n\n  h' = W @ x\nend\n"
    e = error_of(text)
    assert e.message.startswith(
        "this size has degree 7 and 120 terms; a size may have degree at most 8"
    )
    assert (e.line, e.column) == (2, 13)
    assert_caret_under(e, text)
    e = error_of(text.replace("*".join([factor] * 30), "*".join(["n"] * 9)))
    assert e.message.startswith("this size has degree 9 and 1 terms")
    [cell] = symcount.loads(text.replace("*".join([factor] * 30), "*".join(["n"] * 8)))
    assert same(cell.count, n**9)


def test_a_count_of_very_many_terms_is_not_factored():
    # Each size is within bounds (56 terms), but W's count has 462: sympy's
    # factor would take long, so the factored form is the expanded count.
    dims = "a, b, c, d, e"
    size = "*".join(["(a + b + c + d + e + 1)"] * 3)
    text = f"cell big({dims})\n  state h : {size}\n  h' = W @ h\nend\n"
    [cell] = symcount.loads(text)
    assert len(cell.count.args) == 462
    assert cell.factored == cell.count
    [small] = symcount.loads(text.replace(size, "(a + b)*c"))
    assert small.factored != small.count  # (a + b)**2*c**2, factored as usual


@pytest.mark.parametrize(
    "argv",
    [
        ["count"],
        ["count", "--format", "latex"],
        ["latex", "--equations", "--params"],
        ["check"],
        ["fmt"],
    ],
)
def test_a_number_with_a_huge_exponent_in_every_output(tmp_path, capsys, argv):
    # Regression: the LaTeX of `1e<5,000 digits>` converted the exponent with
    # int(), which Python refuses beyond 4,300 digits: a traceback from
    # `latex --equations`. Numbers are constants of any spelling.
    exponent = "9" * 5_000
    path = tmp_path / "big.cell"
    path.write_text(f"cell c(n)\n  state h : n\n  h' = U @ h * 1e-{exponent}\nend\n")
    assert cli.main([argv[0], str(path), *argv[1:]]) == 0
    out = capsys.readouterr().out
    if argv[0] == "latex":
        assert f"10^{{-{exponent}}}" in out
    if argv[0] == "fmt":
        assert f"h' = U @ h * 1e-{exponent}" in out


# ---- long lines ----


def test_a_hundred_thousand_character_line_works():
    terms = " + ".join(f"b{k}" for k in range(15_000))
    line = f"h' = h + {terms}"
    assert len(line) >= 100_000
    [cell] = symcount.loads(body(line))
    assert same(cell.count, 15_000 * n)


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_an_error_in_a_long_line_shows_a_window_with_the_caret_right(where):
    terms = ["h"] * 25_000
    terms[{"start": 0, "middle": 12_500, "end": -1}[where]] = "x"
    text = body("h' = " + " + ".join(terms))
    e = error_of(text)
    assert "size mismatch" in e.message
    assert_caret_under(e, text)
    shown = e.render().splitlines()[1]
    assert len(shown) <= 4 + errors.WINDOW + 6
    assert shown.startswith("    ...") == (where != "start")
    assert shown.endswith("...") == (where != "end")


def test_a_huge_name_in_a_message_is_cut_in_the_middle():
    name = "f" * 100_000
    e = error_of(body(f"h' = {name}(h)"))
    assert name in e.message  # the exception keeps the whole message
    first = e.render().splitlines()[0]
    assert len(first) < errors.MAX_MESSAGE + 50
    assert " ... " in first and first.startswith("big.cell:4:8: error: unknown function 'ffff")
    assert_caret_under(e, body(f"h' = {name}(h)"))


def test_a_long_underline_stops_at_the_window():
    text = body("h' = tanh(" + " + ".join(["h"] * 20_000) + ") + x")
    e = error_of(text)
    caret_line = e.render().splitlines()[2]
    assert len(caret_line) <= 4 + errors.WINDOW + 3


# ---- unusual characters ----


@pytest.mark.parametrize("separator", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\r"])
def test_line_breaks_python_knows_but_the_language_does_not(separator):
    # Regression (fuzzing): error reports split the source with
    # str.splitlines, which also breaks at these characters while the parser
    # only counts "\n": the caret then stood under the wrong line's text.
    text = HEAD + f"  # a{separator}b\n  h' = tanh(W @ x + h + x)\nend\n"
    e = error_of(text)
    assert (e.line, e.column) == (5, 25)
    assert "'W @ x' has size n but 'x' has size m" in e.message
    assert_caret_under(e, text)


def test_an_error_at_the_end_of_a_windows_line():
    # Regression (fuzzing): the space before "\r\n" was skipped together with
    # the "\r", so "found end of line" pointed two columns past the text.
    text = "cell c(n)\r\n  state h : \r\n  h' = h\r\nend\r\n"
    e = error_of(text)
    assert e.message.startswith("expected a size")
    assert (e.line, e.column) == (2, 13)
    assert_caret_under(e, text)


def test_nul_bytes():
    # In a comment or a description a NUL is just a character ...
    [cell] = symcount.loads('cell c(n) "a\x00b"\n  state h : n  # \x00\n  h\' = U @ h\nend\n')
    assert cell.description == "a\x00b" and same(cell.count, n**2)
    # ... anywhere else it is an unexpected character, shown without the raw byte.
    for text, where in [
        ("\x00cell c(n)\nend\n", (1, 1)),
        (body("h' = W @ x\x00"), (4, 13)),
        (body("h' = W @ x", "\x00"), (5, 3)),
    ]:
        e = error_of(text)
        assert "unexpected character '\\x00'" in e.message
        assert (e.line, e.column) == where
        assert "\x00" not in e.render()
        assert_caret_under(e, text)


@pytest.mark.parametrize(
    "data, line, column",
    [
        (b"\xffcell c(n)\nend\n", 1, 1),
        (b"cell c(n)\n  state h : n\n  h' = h # caf\xe9\nend\n", 3, 15),
        (b'cell c(n) "\xc3\xa9t\xc3"\n', 1, 14),  # a multi-byte character cut short
        (b"cell c(n)\n  state h : n\n  h' = h\nend\n\xe2\x82", 5, 1),  # cut at the end
        (b"\xff\xfec\x00e\x00l\x00l\x00", 1, 1),  # UTF-16
        (b"cell c(n)\n\xed\xa0\x80\n", 2, 1),  # an encoded surrogate
    ],
)
def test_invalid_utf8_is_located(tmp_path, capsys, data, line, column):
    path = tmp_path / "bad.cell"
    path.write_bytes(data)
    with pytest.raises(SymcountError) as info:
        symcount.load(path)
    e = info.value
    assert "not valid UTF-8" in e.message
    assert (e.line, e.column) == (line, column)
    assert cli.main(["count", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:{column}: error: the file is not valid UTF-8")
    assert "Traceback" not in err


def test_invalid_utf8_on_standard_input(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"cell c(n)\n\x80\n")))
    assert cli.main(["count", "-"]) == 1
    assert capsys.readouterr().err.startswith("<stdin>:2:1: error: the file is not valid UTF-8")
