"""The language reference's v2 examples (docs/language.md, "Examples"): each
cell parses and has the count the page states."""

import re

import pytest
import sympy

import symcount
from conftest import doc_script, m, n, same
from symcount.symbols import size_symbol

H, d, K, k, I_, N, D, R = (size_symbol(s) for s in ("H", "d", "K", "k", "I", "N", "D", "R"))

SECTION = doc_script("pages").section("language.md", "Examples")
BLOCKS = re.findall(r"```\n(cell .*?\nend)\n```", SECTION, re.S)

# Counts worked out by hand from each example's equations.
EXPECTED = {
    "ln_lstm_gate": m * n + n**2 + 2 * n,
    "headwise": H**2 * d**2 + H * d**2 + H * d,
    "short_conv": K * d + d,
    "conv_rnn": k**2 * m * n + k**2 * n**2 + n,
    "linear_attention": 3 * H**2 * d + H,
    "diagonal_ssm": I_ * N + 2 * N,
    "low_rank_step": 2 * D * R + D,
    "split_gates": 2 * n**2,
    "timed": 2 * m * n + n**2 + n,
    "wired": m * n + 2 * n**2,  # trainable; the frozen mask M adds m*n
    "mingru_like": 2 * n**2,
}


def test_every_example_is_checked():
    names = [re.match(r"cell (\w+)", block).group(1) for block in BLOCKS]
    assert names == list(EXPECTED)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: re.match(r"cell (\w+)", b).group(1))
def test_example_count(block):
    [cell] = symcount.loads(block)
    want = EXPECTED[cell.name]
    assert same(cell.count, want)  # the trainable parameters
    assert cell.warnings == ()
    # the page states the count it prints
    assert f"`{cell.count}`" in SECTION or cell.name == "wired"


def test_frozen_and_complex_are_reported_apart():
    [cell] = symcount.loads(next(b for b in BLOCKS if "cell wired" in b))
    assert same(cell.frozen, m * n)
    assert same(cell.count, m * n + 2 * n**2)
    assert same(cell.total_count, 2 * m * n + 2 * n**2)


def test_derived_size_evaluates_with_its_definition():
    [cell] = symcount.loads(next(b for b in BLOCKS if "cell low_rank_step" in b))
    assert cell.evaluate(D=100) == 2 * 100 * 7 + 100
    assert same(cell.explicit_count, 2 * D * sympy.ceiling(D / 16) + D)
