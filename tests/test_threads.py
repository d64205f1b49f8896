"""Parsing from several threads at once: the one parser of the process is
shared, the state of each parse is not."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import symcount
from symcount import SymcountError, ir, sources, syntax

THREADS = 8
PARSES = 100

# Valid cells whose brackets span lines (the post-lexer's state matters) and
# syntax errors whose message depends on that state.
VALID = [
    "cell a(m, n)\n input x : m\n state h : n\n h' = tanh(W @ [x,\n    h] + b)\nend\n",
    "cell b(m, n)\n input x : m\n state h : n\n"
    " g = sigmoid(W @ x +\n    U @ (h *\n    d) + c)\n h' = g * h\nend\n",
    "cell c(n)\n state h : n\n state c : n\n h' = [\n  U @ h\n ]\n c' = (c\n  + h')\nend\n",
]
BROKEN = {
    "cell d(n)\n state h : n\n h' = tanh(U @ [h,\n h)\nend\n": (3, 16, "'[' was never closed"),
    "cell e(n)\n state h : n\n h' = tanh(U @ (h +\n h)\nend\n": (3, 11, "'(' was never closed"),
    "cell f(n)\n state h : n\n h' = tanh(U @ h))\nend\n": (3, 18, "unmatched ')' (found ')')"),
    "cell g(n)\n state h : n\n g = [h,\n h\n h' = g\nend\n": (3, 6, "'[' was never closed"),
}


def outcome(text: str):
    """What parsing gives: the cells' names and equations, or the error's place and message."""
    try:
        cells = syntax.parse(ir.Document("t.cell", text))
    except SymcountError as e:
        return ("error", e.line, e.column, e.message)
    return ("ok", tuple((c.name, c.equations) for c in cells))


def in_threads(work) -> list:
    """Runs `work(k, wrong)` in THREADS threads started at once; what went wrong.

    An exception in a thread is recorded too (a thread that dies is no pass).
    """
    start = threading.Barrier(THREADS)
    wrong: list = []

    def run(k: int):
        start.wait()
        try:
            work(k, wrong)
        except Exception as e:
            wrong.append(repr(e))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wrong


@pytest.fixture
def fast_switching():
    # Threads take turns every microsecond, so that parses interleave a lot.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_the_broken_inputs_give_their_errors():
    for text, (line, column, message) in BROKEN.items():
        assert outcome(text) == ("error", line, column, message)


def test_threads_parsing_at_once_each_get_their_own_result(fast_switching):
    texts = VALID + list(BROKEN)
    expected = {text: outcome(text) for text in texts}  # one thread at a time
    assert all(expected[t][0] == "ok" for t in VALID)

    def work(seed: int, wrong: list):
        for i in range(PARSES):
            text = texts[(seed + i) % len(texts)]
            got = outcome(text)
            if got != expected[text]:
                wrong.append((text, got))

    assert in_threads(work) == []


def test_loads_from_several_threads_counts_right(fast_switching):
    # The whole pipeline, as a program deriving cells in a thread pool would.
    names = symcount.builtins()
    texts = {name: sources.builtin_text(name) for name in names}
    expected = {name: symcount.loads(text)[-1].count for name, text in texts.items()}

    def work(seed: int, wrong: list):
        for i in range(len(names)):
            name = names[(seed * 5 + i) % len(names)]
            cell = symcount.loads(texts[name])[-1]  # a model's file: its blocks, then it
            if cell.count != expected[name]:
                wrong.append((name, cell.count))

    assert in_threads(work) == []


def test_the_parser_is_built_once_when_threads_start_at_once(tmp_path):
    code = (
        "import threading, lark\n"
        "from symcount import ir, syntax\n"
        "built = []\n"
        "original = lark.Lark.__init__\n"
        "def counting(self, *args, **kwargs):\n"
        "    built.append(1)\n"
        "    original(self, *args, **kwargs)\n"
        "lark.Lark.__init__ = counting\n"
        f"start = threading.Barrier({THREADS})\n"
        "def work():\n"
        "    start.wait()\n"
        "    syntax.parse(ir.Document('t', 'cell c(n)\\n state h : n\\n h\\' = U @ h\\nend\\n'))\n"
        f"threads = [threading.Thread(target=work) for _ in range({THREADS})]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print('BUILT', len(built))\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root), "XDG_CACHE_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "BUILT 1"
