"""Sizes are positive, and no count depends on a free extent (issue "Trust v2",
classes 5 and 9; docs/language.md, "Sizes").

A size that is positive at some sizes only (`m - n`) is checked at the sizes
given, as a derived size's value is; one that never is is an error when the
cell is read. A size defined from a free extent has no value: it needs none
unless a count uses it, and then the cell is refused.
"""

import pytest

import symcount
from symcount import SymcountError, cli
from symcount.shapes.sizes import SizeValueError

torch = pytest.importorskip("torch")
nn = torch.nn

# `[h, b]` has the input's size m: b is what h leaves, m - n.
REST = """
cell rest(m, n)
    input x : m
    state h : n
    h' = tanh(U @ h) * (W @ (x * [h, b]))
end
"""


class Rest(nn.Module):
    def __init__(self, m: int, n: int):
        super().__init__()
        self.U = nn.Linear(n, n, bias=False)
        self.W = nn.Linear(m, n, bias=False)
        self.b = nn.Parameter(torch.randn(m - n))

    def forward(self, x, h):
        return torch.tanh(self.U(h)) * self.W(x * torch.cat([h, self.b.expand(*h.shape[:-1], -1)], -1))


def numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


def cell(text: str):
    return symcount.loads(text, filename="c.cell")[0]


@pytest.mark.parametrize(("m", "n"), [(5, 3), (40, 1), (9, 8), (100, 37)])
def test_an_inferred_difference_counts_as_the_module_where_it_is_a_size(m, n):
    module = Rest(m, n)
    with torch.no_grad():
        module(torch.randn(2, m), torch.randn(2, n))
    assert cell(REST).evaluate(m=m, n=n) == numel(module)


@pytest.mark.parametrize(("m", "n"), [(2, 3), (3, 3), (1, 50)])
def test_an_inferred_difference_that_is_no_size_is_an_error(m, n):
    # torch refuses a negative size and makes an empty b at m = n; the count of
    # `[h, b]` with an empty b is no count of this cell.
    if m < n:
        with pytest.raises(RuntimeError):
            Rest(m, n)
    with pytest.raises(SizeValueError) as info:
        cell(REST).evaluate(m=m, n=n)
    assert str(info.value) == (
        f"size m - n (of parameter 'b') is {m - n}; a size is at least 1 at m={m}, n={n}"
    )


def test_the_command_line_names_the_size_and_the_values(tmp_path, capsys):
    path = tmp_path / "rest.cell"
    path.write_text(REST)
    assert cli.main(["count", str(path), "--set", "m=2", "--set", "n=3"]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "symcount: error: --set: in cell 'rest', size m - n (of parameter 'b') is -1; "
        "a size is at least 1 at m=2, n=3\n"
    )
    assert cli.main(["count", str(path), "--set", "m=5", "--set", "n=3"]) == 0
    assert "value     26  (m=5, n=3)" in capsys.readouterr().out


# A derived size that is a difference: its square was positive at m=2, n=3 (1).
DIFFERENCE = """
cell difference(m, n)
    size k = m - n
    input x : m
    state h : n
    param P : (k, k)
    h' = tanh(U @ h + V @ (P @ (Q @ x)))
end
"""


def test_a_derived_difference_is_checked_at_the_sizes_given():
    c = cell(DIFFERENCE)
    with pytest.raises(SizeValueError, match=r"^size k = m - n is -1; a size is at least 1 at m=2, n=3$"):
        c.evaluate(m=2, n=3)  # (m - n)**2 = 1 before: a count of no cell
    with pytest.raises(RuntimeError):
        nn.Linear(2 - 3, 2 - 3)  # P at k = -1: no module has it
    m, n, k = 5, 3, 2
    layers = [(n, n), (k, n), (k, k), (m, k)]  # U, V, P, Q as (in, out)
    assert c.evaluate(m=m, n=n) == numel(nn.ModuleList([nn.Linear(a, b, bias=False) for a, b in layers]))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # A concatenation against a vector of its own size leaves the other part nothing.
        (
            ["input x : n", "h' = tanh(U @ h + [x, b])"],
            "'[x, b]' must have size n, which its other parts already fill (size n), so 'b' "
            "would have size 0; sizes are positive",
        ),
        (["input x : m", "size k = m - m", "h' = tanh(U @ h + W @ x)"], "size k = m - m is 0, which is never positive"),
        (["input x : m", "param W : (n, m - m*m)", "h' = tanh(W @ x + U @ h)"], "a size must be positive"),
    ],
)
def test_a_size_that_is_never_positive_is_an_error_when_read(lines, message):
    text = "cell c(m, n)\n state h : n\n" + "\n".join(lines) + "\nend\n"
    with pytest.raises(SymcountError) as info:
        cell(text)
    assert message in info.value.message


def test_a_declared_difference_is_checked_as_an_inferred_one():
    text = "cell c(m, n)\n input x : m\n state s : m - n\n state h : n\n s' = tanh(s)\n h' = tanh(U @ h + W @ x)\nend\n"
    c = cell(text)
    assert c.evaluate(m=5, n=2) == 4 + 10
    with pytest.raises(SizeValueError, match=r"size m - n \(of 'state s : m - n', line 3\) is 0"):
        c.evaluate(m=2, n=2)


# ---- free extents: no value, and no count through a derived size ----

HALF = """
cell half(m, n, k)
    size rows
    size half = ceil(rows / 2)
    input x : (m, rows)
    state h : (n, rows)
    param b : n
    h' = tanh(conv(W, x, k) + conv(U, h, k) + b)
end
"""


def test_a_size_of_a_free_extent_that_no_count_uses_needs_no_value(tmp_path, capsys):
    c = cell(HALF)
    assert c.evaluate(m=2, n=3, k=3) == 2 * 3 * 3 + 3 * 3 * 3 + 3
    assert "half" not in c.derived
    path = tmp_path / "half.cell"
    path.write_text(HALF)
    assert cli.main(["count", str(path), "--set", "m=2", "--set", "n=3", "--set", "k=3"]) == 0
    assert "value     48  (m=2, n=3, k=3)" in capsys.readouterr().out
    plot = tmp_path / "half.svg"
    pytest.importorskip("matplotlib")
    assert cli.main(["plot", str(path), "--vary", "m=1:4", "--set", "n=3", "--set", "k=3", "-o", str(plot)]) == 0


def test_a_count_through_a_size_of_a_free_extent_is_refused():
    text = HALF.replace("param b : n", "param b : n\n    param g : half")  # counted, though unused
    with pytest.raises(SymcountError) as info:
        cell(text)
    assert info.value.message == (
        "parameter 'g' has shape (half), which depends on 'rows' through size half = ceil(rows / 2), "
        "a size the header does not list; add it to the header to count it"
    )
    assert (info.value.line, info.value.column) == (8, 5)
    assert [note.location.line for note in info.value.notes] == [3]  # at `size rows`


def test_a_derived_size_of_an_abbreviation_is_evaluated():
    text = """
cell ab(m, n)
    size I = 2*m
    size R = ceil(I / 16)
    input x : m
    state h : n
    param P : (R, m)
    h' = tanh(W @ x + U @ h + Q @ (P @ x))
end
"""
    c = cell(text)
    assert c.size_values({"m": 32, "n": 3}) == {"m": 32, "n": 3, "R": 4}
    assert c.evaluate(m=32, n=3) == 32 * 3 + 9 + 3 * 4 + 4 * 32
