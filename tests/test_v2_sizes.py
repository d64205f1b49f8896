"""Language v2: a size split by an exact division, and row vectors on the left of @."""

import pytest

import symcount
from symcount import cli
from symcount.symbols import size_symbol

e, H, d = (size_symbol(s) for s in "eHd")

SPLIT = """
cell mh(e, H)
    size d = e / H
    input x : e
    state h : e
    state C : (H, d, d)
    param R : blockdiag(H, d, d)
    param w_i : e
    i = exp(w_i @ x + b_i)
    C' = i * C + outer(heads(x, H), heads(h, H))
    h' = tanh(R @ h + W @ x)
end
"""


def test_a_split_size_lets_heads_and_blocks_meet_the_whole_width():
    [cell] = symcount.loads(SPLIT)
    # W: e x e, R: H blocks of d x d, w_i: e, b_i: 1, with d = e / H
    want = e**2 + H * (e / H) ** 2 + e + 1
    assert (cell.explicit_count - want).simplify() == 0
    assert cell.evaluate(e=12, H=3) == 144 + 3 * 16 + 12 + 1
    assert cell.evaluate(e=12, H=4) == 144 + 4 * 9 + 12 + 1


def test_a_split_that_is_not_whole_is_refused():
    [cell] = symcount.loads(SPLIT)
    with pytest.raises(ValueError, match=r"size d = e / H is not a whole number \(10/3\) at H=3, e=10"):
        cell.evaluate(e=10, H=3)


def test_the_cli_says_which_size_does_not_divide(capsys):
    text_path = "split.cell"
    import os
    import tempfile

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, text_path)
    with open(path, "w") as out:
        out.write(SPLIT)
    assert cli.main(["count", path, "--set", "e=10", "--set", "H=3"]) == 2
    err = capsys.readouterr().err
    assert "--set: in cell 'mh', size d = e / H is not a whole number (10/3) at H=3, e=10" in err
    assert "Traceback" not in err


def test_a_declared_vector_left_of_at_is_a_row():
    [cell] = symcount.loads(SPLIT)
    kinds = {p.name: (p.kind, p.shape) for p in cell.params}
    assert kinds["w_i"][0] == "vector"
    assert kinds["b_i"] == ("scalar", ())  # w_iᵀx is one number: so is its bias
