"""Mutation fuzzing: edited built-in cells end in a count or a located error.

Each case takes the text of a built-in cell, makes one to three random edits
(characters, tokens or whole lines; one case in ten also breaks the UTF-8
bytes) and runs what `symcount count` runs: decode, parse, derive, count,
evaluate, render every format. It must end in a count, or in a
`SymcountError` whose line and column lie inside the text. Any other
exception, or a case running longer than `TIMEOUT` seconds, is a bug.
`symcount fmt` is checked on the way: whatever parses must format stably,
and read back to the same count, or to an error again when it had one.

Cases are seeded by their number, so a failure names the case that shows it:
`fuzz_case(1234)` rebuilds its text. A default run does the first
`DEFAULT_CASES`; `--slow` (the README's test command, and CI) does
`SLOW_CASES` more.
"""

from __future__ import annotations

import random
import re
import signal
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest

import symcount
from conftest import same
from symcount import SymcountError, sources
from symcount.layers.stacking import CannotStack
from symcount.render import Report, render
from symcount.shapes.sizes import SizeValueError

DEFAULT_CASES = 300
SLOW_CASES = 10_000
BATCH = 250
TIMEOUT = 10  # seconds for one case; a healthy case takes milliseconds

# Seeds beside the built-ins: the v2 constructs that no built-in uses (the
# cell's own functions, derived sizes, exact division, scalar inputs,
# complex, quaternion and frozen parameters, tensor parameters, `sum`,
# per-head dot products, spatial convolution with a declared kernel).
V2_SEEDS = [
    """\
cell seed.heads(e, H, K)
    size d = e / H
    size R = ceil(e / 16)
    def g(a, b) = max(a + 0.5, sigmoid(b))
    input x : e
    input t : scalar
    state h : e
    state C : (H, d, d)
    state s : H
    param R_h : blockdiag(H, d, d)
    param w : (e, K)
    param Wc : complex(e, e)
    param Q : quaternion(R, e)
    param M : (e, e) frozen
    param A : (H, d, d)

    xc = silu(conv1d(w, x) + b_c)
    q = heads(xc, H) / sqrt(d)
    C' = sigmoid(W_f @ x) * C * A + outer(q, heads(x, H))
    s' = sum(q) + q @ q + s
    y = flat(C' @ q)
    z = Q @ g(W_z @ [x, h], Wc @ h)
    h' = g(R_h @ h + M @ x, y) * exp(-t) + W_r @ z[0:R] + rmsnorm(h)[0:e]
end
""",
    """\
cell seed.conv(m, n, k)
    size rows
    size cols
    input x : (m, rows, cols)
    state h : (n, rows, cols)
    param W : (n, m, k, k)
    param b : n frozen bias
    def act(a) = tanh(a) * layernorm(a)

    h' = act(conv(W, x) + conv(U, h, k) + b)
end
""",
    # Axes and ranks (docs/language.md, "Shape inference"): derived sizes tied to
    # others, conv1d and gains over heads, a group norm of a feature map, values
    # with no axis left (`sum(x)`, a row product), a negated value left of @.
    """\
cell seed.axes(p, e, H, B, K)
    size I = p*e
    size dh = I / H
    size nb = I / B
    size rows
    input x : e
    input f : (e, rows)
    state h : I
    state s : (e, rows)
    state C : (H, dh, dh)
    param g : dh
    param w_r : e
    param R : blockdiag(nb, B, B)

    q = heads(W_q @ x, H)
    k = conv1d(w, q, K)
    t = sum(x) * (w_r @ x)
    C' = g * C + outer(k, (-q) @ C) * t
    s' = groupnorm(s + f, e)
    h' = flat(g * rmsnorm(q)) + R @ h + W_s @ sum(s)
end
""",
]
TEXTS = [sources.builtin_text(name) for name in sources.builtin_names()] + V2_SEEDS

# Characters an edit may insert: the language's own, whitespace and line
# breaks of every kind, and characters that tend to break text handling.
ALPHABET = (
    list("abcxyzhnmWUb_019.e'\"#()[],:=+-*/@\\ \t\n")
    + ["\r", "\r\n", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]
    + ["\ufeff", "\u200b", "é", "ß", "∂", "Ｗ", "😀", "\ud800"]
)
TOKENS = (
    "cell end input state output param diag scalar sigmoid tanh relu exp foo "
    "( ) [ ] , : = + - * / @ ' \" # h h' c' x W 0 1 2.5 1e-3 99999999999 n m "
    "(n, m) diag(n) scalar "
    # language v2: keywords, shapes, structural and size functions
    "size def blockdiag complex quaternion frozen bias latex heads flat sum outer conv conv1d "
    "layernorm rmsnorm batchnorm groupnorm max min sqrt logsigmoid leaky_relu ceil floor "
    "H d e K C C' q v (H, d, d) (H, d) blockdiag(H, d, d) complex(n, m) quaternion(n) "
    "[0:n] [n:2*n] [0:0] e/H ceil(n/16) heads(x, H) flat(C) outer(q, q) conv1d(w, x, K) "
    "groupnorm(h, H) sum(q) g(h) g(h, x) sum(x) (w_r @ x) (-q) dh nb I (H, dh) conv1d(w, q, K)"
).split() + [
    "w" * 3_000, "1e-" + "9" * 5_000, "7" * 5_000,  # tokens far past any real one
    "def g(a) = a * 0.5", "size d = e / H", "size R = ceil(n / 16)", "size rows",
    "input t : scalar", "state C : (H, d, d)", "param R : blockdiag(H, d, d)",
    "param b : n frozen bias", "-b + W @ x", "(1 + w)",
    "size I = p*e", "size dh = I / H", "param g : dh", "param w_r : e",
    # a display name on the header line (docs/latex.md, "Display names")
    'latex "\\mathrm{C}"', '"d" latex "\\alpha_{\\log}"', 'latex "{\\mathrm{C}$"',
]
TOKEN = re.compile(
    r"[A-Za-z_][A-Za-z0-9_]*'?|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\"(?:[^\"\\\n]|\\.)*\"?"
    r"|#[^\n]*|\s+|."
)
BAD_BYTES = [b"\x80", b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]


# ---- mutations ----


def char_edit(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    kind = rng.choice(["insert", "insert", "delete", "replace", "duplicate", "swap"])
    if kind == "insert":
        return text[:at] + rng.choice(ALPHABET) + text[at:]
    if kind == "delete":
        return text[:at] + text[at + 1 :]
    if kind == "replace":
        return text[:at] + rng.choice(ALPHABET) + text[at + 1 :]
    if kind == "duplicate":
        end = min(len(text), at + rng.randrange(1, 40))
        return text[:end] + text[at:end] + text[end:]
    return text[:at] + text[at + 1 : at + 2] + text[at : at + 1] + text[at + 2 :]


def token_edit(text: str, rng: random.Random) -> str:
    tokens = TOKEN.findall(text)
    solid = [i for i, t in enumerate(tokens) if not t.isspace()]
    if not solid:
        return text + rng.choice(TOKENS)
    i = rng.choice(solid)
    kind = rng.choice(["delete", "duplicate", "replace", "replace", "swap", "insert"])
    if kind == "delete":
        tokens[i] = ""
    elif kind == "duplicate":
        tokens[i] = tokens[i] + rng.choice(["", " "]) + tokens[i]
    elif kind == "replace":
        tokens[i] = rng.choice(TOKENS + [tokens[j] for j in solid])
    elif kind == "swap":
        j = rng.choice(solid)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    else:
        tokens[i] = tokens[i] + " " + rng.choice(TOKENS) + " "
    return "".join(tokens)


def line_edit(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    kind = rng.choice(["delete", "duplicate", "swap", "move", "join", "split", "foreign"])
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "move":
        lines.insert(j, lines.pop(i))
    elif kind == "join" and i + 1 < len(lines):
        lines[i : i + 2] = [lines[i] + rng.choice(["", " "]) + lines[i + 1]]
    elif kind == "split" and lines[i]:
        at = rng.randrange(len(lines[i]))
        lines[i : i + 1] = [lines[i][:at], lines[i][at:]]
    else:  # a line from another built-in
        lines.insert(i, rng.choice(rng.choice(TEXTS).split("\n")))
    return "\n".join(lines)


def byte_edit(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.3:
        return data[:at]  # cut short, maybe inside a multi-byte character
    return data[:at] + rng.choice(BAD_BYTES) + data[at:]


def fuzz_case(number: int) -> bytes:
    """The input of case `number`: an edited built-in, as the bytes of a file."""
    rng = random.Random(number)
    text = rng.choice(TEXTS)
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 5])):
        text = rng.choice([char_edit, token_edit, line_edit])(text, rng)
    data = text.encode("utf-8", errors="surrogatepass")
    return byte_edit(data, rng) if rng.random() < 0.1 else data


# ---- the check ----


class Hang(Exception):
    """A case ran longer than TIMEOUT seconds."""


@contextmanager
def time_limit(seconds: int):
    if not hasattr(signal, "setitimer"):  # no SIGALRM (Windows): run unguarded
        yield
        return

    def expired(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(data: bytes) -> str:
    """What `symcount count` does with a file; returns "count" or "error"."""
    try:
        text = sources.decode(data, "fuzz.cell")
    except SymcountError as e:
        check_located(e, data)
        return "error"
    try:
        cells = symcount.loads(text, filename="fuzz.cell")
    except SymcountError as e:
        check_located(e, data)
        check_format_keeps_the_error(text)
        return "error"
    for index, cell in enumerate(cells):
        sizes = sizes_for(cell)
        for variant in variants(cell):
            if sizes is not None:
                try:
                    assert isinstance(variant.evaluate(**sizes), int)
                except SizeValueError as e:  # a later layer's derived size, not whole there
                    check_names_the_size(e, variant)
            # The count is the trainable parameters'; frozen ones are counted apart.
            assert same(variant.count, sum(p.count for p in variant.params if not p.frozen))
            assert same(variant.frozen, sum(p.count for p in variant.params if p.frozen))
            # Every format `count` and `latex` offer; sizes set for every other cell.
            reports = [Report(variant.summary, sizes if index % 2 and sizes is not None else {})]
            for fmt in ("text", "json", "markdown", "latex"):
                render(fmt, reports)
        render("latex", reports, form="factored", equations=True, params=True, standalone=True)
    printed = symcount.format_text(text)
    assert symcount.format_text(printed) == printed
    again = symcount.loads(printed)
    assert [c.name for c in again] == [c.name for c in cells]
    assert all(same(a.count, b.count) for a, b in zip(again, cells, strict=True))
    return "count"


def check_format_keeps_the_error(text: str) -> None:
    """`fmt` formats what parses, stably, and a wrong cell stays wrong."""
    try:
        printed = symcount.format_text(text)
    except SymcountError:
        return  # a syntax error: nothing to format
    assert symcount.format_text(printed) == printed
    with pytest.raises(SymcountError):
        symcount.loads(printed)


def sizes_for(cell) -> dict[str, int] | None:
    """Sizes at which the cell evaluates: sizes it derives by division (`size d = e / H`)
    must come out whole, so a few assignments are tried; if none does, the cell
    is shown without values."""
    names = [str(d) for d in cell.dims]
    for sizes in (
        {name: 2 + i for i, name in enumerate(names)},
        dict.fromkeys(names, 6),
        dict.fromkeys(names, 60),
    ):
        try:
            cell.evaluate(**sizes)
        except SizeValueError as e:  # a derived size that is no size there
            check_names_the_size(e, cell)
        else:
            return sizes
    return None


def check_names_the_size(e: SizeValueError, used) -> None:
    """What the command line prints for sizes where a derived size is none, or a
    size of the cell (of a stack's layer) is less than 1: it names the size."""
    keys = {*used.derived, *(check.key for check in used.derived.checks)}
    # A size (`size d = e / H`, `size m - n`), or a model's number of copies.
    assert str(e).startswith(("size ", "the copies of ")) and e.size in keys, str(e)


def variants(cell):
    """The cell as `count` can show it: alone, without biases, stacked."""
    yield cell
    bare = cell.without_biases()
    # What --no-bias removed is neither counted nor printed (docs/language.md, "Without biases").
    assert not set(bare.removed_biases) & {p.name for p in bare.params}
    yield bare
    if isinstance(cell, symcount.Model):  # its layers and copies are written in it
        return
    try:
        stack = cell.stacked(2, bidirectional=True)
    except SymcountError as e:  # not stackable (several inputs): a located error is right
        assert e.line is not None
    else:
        sizes = {str(d): 3 for d in stack.dims}
        try:
            twice = stack.evaluate(**sizes)
        except SizeValueError as e:  # a size derived by division is no size at 3
            check_names_the_size(e, stack)
        else:
            try:
                symbolic = cell.stacked("L", bidirectional=True)
            except CannotStack as e:  # widening layers with a size derived from the input
                assert "no closed form" in e.message
            else:
                assert twice == symbolic.evaluate(**sizes, L=2)
        yield stack


def check_located(e: SymcountError, data: bytes) -> None:
    assert e.filename == "fuzz.cell"
    assert isinstance(e.line, int) and isinstance(e.column, int), "an error without a location"
    lines = data.split(b"\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()
    assert 1 <= e.line <= max(1, len(lines)), f"line {e.line} of {len(lines)}"
    line = lines[e.line - 1].removesuffix(b"\r").decode("utf-8", errors="replace")
    assert 1 <= e.column <= len(line) + 1, f"column {e.column} of a {len(line)}-character line"
    report = e.render().splitlines()
    assert report[0].startswith(f"fuzz.cell:{e.line}:{e.column}: error: ")
    assert all(len(row) < 700 for row in report)


def run_batch(first: int, count: int) -> None:
    failures = []
    for number in range(first, first + count):
        data = fuzz_case(number)
        try:
            with time_limit(TIMEOUT):
                run_case(data)
        except Exception:
            failures.append(f"case {number}: {data[:300]!r}\n{traceback.format_exc(limit=-6)}")
    assert not failures, f"{len(failures)} of {count} cases failed:\n\n" + "\n".join(failures[:5])


@pytest.mark.parametrize("first", range(0, DEFAULT_CASES, BATCH // 2))
def test_edited_builtins(first):
    run_batch(first, min(BATCH // 2, DEFAULT_CASES - first))


@pytest.mark.slow
@pytest.mark.parametrize("first", range(DEFAULT_CASES, DEFAULT_CASES + SLOW_CASES, BATCH))
def test_edited_builtins_slow(first):
    run_batch(first, BATCH)


def test_the_fuzzer_reaches_both_outcomes():
    # Guards the fuzzer itself: edits so wild that everything is a syntax
    # error, or so mild that nothing is, would test little.
    outcomes = [run_case(fuzz_case(number)) for number in range(200)]
    assert 0.1 < outcomes.count("count") / len(outcomes) < 0.9


def test_a_hang_is_caught():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no SIGALRM on this platform")
    with pytest.raises(Hang), time_limit(1):
        while True:
            pass


def test_ci_runs_the_readmes_command_with_the_slow_set():
    # The 10,000 slow cases only count if CI runs them: .ci/run's test line is
    # the README's test command, and that command includes --slow.
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    command = re.search(r"```sh\n(pip install '\.\[test\]'.*)\n```", readme).group(1)
    assert "--slow" in command.split()
    assert command in (root / ".ci" / "run").read_text().splitlines()
