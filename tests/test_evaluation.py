"""Counts at concrete sizes, in one place (`counting.evaluation`): the API, the
outputs' values and the plots all read the same numbers from it."""

import pytest

import symcount
from conftest import accepted_sizes
from symcount.counting import evaluation
from symcount.render import Report

# The output reads the input, so each layer of a stack reads a wider one than the last.
WIDENING = "cell wide(m, n)\n input x : m\n state h : n\n output y\n h' = tanh(W @ x + U @ h)\n y = [x, h']\nend\n"


def _uses(name):
    """A built-in alone, stacked in two bidirectional layers and in L layers."""
    cell = symcount.builtin(name)
    yield cell
    if isinstance(cell, symcount.Model):  # its layers and copies are written in it
        return
    try:
        yield cell.stacked(2, bidirectional=True)
        yield cell.stacked("L")
    except symcount.SymcountError:  # several inputs, or a feature map out: cannot stack
        pass


def _sizes(used, start=3):
    return {str(d): start + i for i, d in enumerate(used.dims)}


@pytest.mark.parametrize("name", sorted(symcount.builtins()))
def test_the_polynomial_and_the_formula_agree(name):
    for used in _uses(name):
        sizes = accepted_sizes(used, _sizes(used), name)
        counts, values = used.counts, used.size_values(sizes)
        assert evaluation.value(counts.total, values) == evaluation.value(counts.count, values)
        assert evaluation.trainable(counts, values) == used.evaluate(**sizes)


@pytest.mark.parametrize("name", ["lstm", "s6", "torch.lstm_proj"])
def test_the_outputs_show_what_the_api_gives(name):
    for used in _uses(name):
        sizes = _sizes(used)
        report = Report(used.summary, sizes)
        assert report.value == used.evaluate(**sizes)
        assert report.total_value == report.value + report.frozen_value
        assert sum(report.param_value(p.count) for p in used.summary.params) == report.value
        assert set(report.size_values) == set(used.summary.used_sizes)
        partial = Report(used.summary, dict(list(sizes.items())[:-1]))
        assert (partial.value, partial.frozen_value, partial.size_values) == (None, None, {})


def test_a_count_that_is_no_polynomial_is_evaluated_from_its_formula():
    [cell] = symcount.loads(WIDENING)
    stack = cell.stacked("L")
    assert stack.total is None  # the closed-form sum over the generic layer k
    for layers in (1, 2, 5):
        assert stack.evaluate(m=3, n=2, L=layers) == cell.stacked(layers).evaluate(m=3, n=2)


def test_derived_sizes_are_written_out_and_evaluated():
    s6 = symcount.builtin("s6")  # size R = ceil(D / 16)
    assert evaluation.size_values(s6.derived, {"D": 33, "N": 4}) == {"D": 33, "N": 4, "R": 3}
    explicit = evaluation.written_out(s6.count, s6.derived)
    assert explicit == s6.explicit_count == s6.summary.explicit_count
    assert int(explicit.subs({d: 33 if str(d) == "D" else 4 for d in s6.dims})) == s6.evaluate(D=33, N=4)


@pytest.mark.parametrize(
    "sizes, message",
    [
        ({"m": 3}, "sizes must be exactly m, n: missing n"),
        ({"m": 3, "n": 2, "k": 1}, "sizes must be exactly m, n: unknown k"),
        ({"n": 2, "k": 1}, "sizes must be exactly m, n: missing m; unknown k"),
        ({"m": 0, "n": 2}, "size m must be a positive integer, got 0"),
        ({"m": True, "n": 2}, "size m must be a positive integer, got True"),
        ({"m": 2.0, "n": 2}, "size m must be a positive integer, got 2.0"),
    ],
)
def test_sizes_are_checked(sizes, message):
    with pytest.raises(ValueError) as caught:
        evaluation.check_sizes(["m", "n"], sizes)
    assert str(caught.value) == message
