"""Command-line fuzzing: random command lines end in output or one clean error.

Each case builds a command line for a random subcommand (a plausible one:
sources, then flags that fit the command), then makes up to three random
edits (drop, duplicate, swap or insert a token; put an odd value in), and
runs it through `cli.main([...])` in this process. Values include huge and
negative numbers, numbers in other scripts, odd unicode, names that are not
UTF-8 (as a shell passes them: lone surrogates), unknown symbols, repeated
flags, built-in names and small .cell files, good and bad; and the lists and
ranges of a sweep (`--set n=1,2`, `--set n=4:16:4`), good, empty, reversed,
with odd steps, too long, on commands that do not sweep. It must exit 0,
1 or 2, print no traceback, say `error:` when it fails (or, for `fmt
--check`, print the diff), leave an existing `-o` file and every cell file
as they were when it fails, and leave no temporary file behind.

`symcount verify` is run with `verify.run` replaced by a recorder: building
PyTorch and Keras layers in a loop would take hours; what is fuzzed here is
the command line up to that point (tests/test_frameworks.py checks the rest).

Cases are seeded by their number (`command_line(1234)` rebuilds one). A
default run does `DEFAULT_CASES`; `--slow` does `SLOW_CASES` more.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import stat
import sys
import traceback
import warnings

import pytest
from test_fuzz import time_limit

from symcount import cli, sources
from symcount.api import verify

DEFAULT_CASES = 300
SLOW_CASES = 3_000
BATCH = 100
TIMEOUT = 30  # seconds for one case; a plot takes about one

CELLS = {
    "two.cell": "cell a(m, n)\n input x : m\n state h : n\n h' = tanh(W @ x + U @ h + b)\nend\n"
    "cell b(n)\n state h : n\n h' = U @ h\nend\n",
    "dense.cell": "cell dense(m, n)\n input x : m\n state h : n\n"
    " h' = tanh(W @ [x, h] + b)\n y = [x, h']\n output y\nend\n",
    "own_l.cell": "cell deep(L, n)\n input x : L\n state h : n\n h' = W @ x + U @ h\nend\n",
    "three.cell": "cell t(m, n, k)\n input x : m\n state h : n\n state c : k\n"
    " c' = V @ [x, h] + c\n h' = W @ c' + U @ h\nend\n",
    "fake_torch.cell": "cell torch.rnn(a, b)\n input x : a\n state h : b\n h' = W @ x + U @ h\nend\n",
    "zero.cell": "cell z(n)\n state h : n\n h' = tanh(h)\nend\n",  # no parameters: a count of 0
    "syntax.cell": "cell c(n)\n state h : n\n h' = (U @ h\nend\n",
    "sizes.cell": "cell c(m, n)\n input x : m\n state h : n\n h' = tanh(x + h)\nend\n",
    "empty.cell": "",
    "no_update.cell": "cell e(n)\n state h : n\nend\n",
    "\udcff-not-utf8.cell": "cell u(n)\n state h : n\n h' = U @ h\nend\n",
    "ünï 名.cell": "cell w(m, n)\n input x : m\n state h : n\n h' = W @ x + U @ h\nend\n",
    # A scalar where a vector is needed; heads split two ways, a gain and conv1d over heads.
    "scalar.cell": "cell s(n)\n input x : n\n state h : n\n h' = W @ sum(x) + [sum(x), h]\nend\n",
    "heads.cell": "cell hd(m, n, H, B)\n size I = m*n\n size d = I / H\n size nb = I / B\n"
    " input x : m\n state h : I\n param g : d\n param R : blockdiag(nb, B, B)\n"
    " h' = flat(g * conv1d(w, heads(W @ x, H), 3)) + R @ h\nend\n",
    # Free extents: the cost is written in rows and cols, which `cost --set` may give.
    "extent.cell": "cell e(m, n, k)\n size rows\n size cols\n input x : (m, rows, cols)\n"
    " state h : (n, rows, cols)\n h' = tanh(conv(W, x, k) + conv(U, h, k) + b)\nend\n",
    # Models (docs/language.md, "Models"): a block, repeated and bidirectional layers, a
    # tie; one whose widths do not fit (an input error).
    "model.cell": "block ffn(d, f)\n input x : d\n param W_1 : (f, d)\n param W_2 : (d, f)\n output y\n"
    " y = W_2 @ relu(W_1 @ x + b_1) + b_2\nend\n"
    "model tagger(V, n, L)\n embedding e : (V, n)\n layer torch.gru(n, n) * L bidirectional\n"
    " layer h = ffn(2*n, 4*n) residual\n norm ln : layernorm(2*n) + bias\n output o : (V, 2*n) + bias\nend\n"
    "model lm(V, n)\n embedding e : (V, n)\n layer lstm(n, n)\n output o : (V, n) tied e\nend\n",
    "unfit.cell": "model u(V, n)\n embedding e : (V, n)\n layer lstm(2*n, n)\nend\n",
    "unknown.cell": "model k(n)\n input x : n\n layer lstn(n, n) * 2\nend\n",
    "tied.cell": "model t(V, n)\n embedding e : (V, n)\n layer l = rnn(n, n)\n output o : (V, n) tied l\nend\n",
    "reads.cell": "model r(n)\n input x : n\n layer rnn(n, n) reads y\nend\n",
}
BYTES = {"latin1.cell": b"cell l(n)\n state h : n\n h' = \xff @ h\nend\n"}
FILES = {
    **{name: text.encode("utf-8", errors="surrogateescape") for name, text in CELLS.items()},
    **BYTES,
}
BUILTINS = sources.builtin_names()
FRAMEWORK = {name for name in BUILTINS if "." in name}
SOURCES = [
    *BUILTINS, *CELLS, *BYTES, "lstn", "LSTM", "torch.lstmm", "builtin:lstm", "-",
    "null", "missing.cell", "folder.cell", "", " ", "lstm ", "\udcff", "σ", "😀",
]  # fmt: skip
SYMBOLS = ["m", "n", "p", "k", "L", "L2", "x", "h", "rows", "cols", "é", "Ｌ", "lambda", "W_i", "", "1n", "n "]
NUMBERS = [
    "1", "2", "3", "17", "0", "-1", "-0", "+4", " 5", "1_000", "٣", "1e3", "0x10", "3.0",
    "", "²", "∞", "nan", "abc", "9" * 20, "1" + "0" * 99, "9" * 101, "9" * 5_000, "-" + "9" * 30,
]  # fmt: skip
# The values of a sweep (docs/cli.md, "Sweeps"): lists and ranges, good and bad.
SWEPT = [
    "1,2,3", "4:16:4", "1:3", "2:9", "5:5", "64:100:64", "3,1", "16:64:16", "1_0:2_0:5",
    "3:1", "512:64", "1:5:0", "1:5:-1", "2,2", "1,,2", "1,", ",", "1.5:4", ":", "1:", ":4", "1:2:3:4",
    "1,2:3", "1:1000000", "1:" + "9" * 30, "1:2:" + "9" * 101, "a:b", "0:3", "٣:٥", "1:3:1e3",
]  # fmt: skip
ODD = [
    "--", "-", "-o", "--set", "--layers", "--seq", "--batch", "--dtype", "--cost", "--budget", "--for", "--match", "--at", "--frobnicate", "-x", "--help", "--version", "=",
    "\udcff", "\u200b", "\u2028", "ﬁ", "Ｗ", "😀", "'", '"', "$(echo)", "%s", "{}", "\\",
]  # fmt: skip
# "null" is a character device like /dev/null, made in the test's folder: a
# regression must not replace the machine's own (the bug this guards against).
OUTPUTS = ["out.tex", "out.png", "out.svg", "out.pdf", "out.gif", "-", "null", "folder.cell",
           "no/such/dir/out.tex", "", "existing.tex", "existing.png", "\udcff.tex", "link.tex"]  # fmt: skip


# ---- command lines ----


def command_line(number: int) -> tuple[list[str], bytes]:
    """Case `number`: the argument list, and what standard input holds."""
    rng = random.Random(number)
    kind = rng.choices(
        ["count", "cost", "solve", "latex", "check", "fmt", "plot", "show", "list", "verify", "junk"],
        weights=[30, 20, 20, 20, 8, 6, 18, 5, 3, 8, 2],
    )[0]
    argv = BUILD[kind](rng)
    for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3])):
        argv = edit(argv, rng)
    stdin = rng.choice([*map(str.encode, CELLS.values()), *BYTES.values(), b"\xff\xfe", b""])
    return argv, stdin


# The size symbols of the sources that have cells, so that most `--set`s fit.
DIMS = {name: sources.builtin_summary(name)[0].split(", ") for name in BUILTINS}
DIMS.update(
    {"two.cell": ["m", "n"], "dense.cell": ["m", "n"], "own_l.cell": ["L", "n"],
     "three.cell": ["m", "n", "k"], "ünï 名.cell": ["m", "n"], "\udcff-not-utf8.cell": ["n"],
     "zero.cell": ["n"], "extent.cell": ["m", "n", "k", "rows", "cols"], "model.cell": ["V", "n", "L", "d", "f"],
     "unfit.cell": ["V", "n"], "unknown.cell": ["n"], "tied.cell": ["V", "n"], "reads.cell": ["n"],
     # input errors (exit 1)
     "syntax.cell": ["n"], "sizes.cell": ["m", "n"], "no_update.cell": ["n"],
     "latin1.cell": ["n"], "empty.cell": [], "lstn": ["m", "n"]}
)  # fmt: skip


def sources_for(rng: random.Random, count: int = 1) -> list[str]:
    """Mostly sources with cells in them, sometimes anything."""
    good = list(DIMS)
    return [rng.choice(good if rng.random() < 0.85 else SOURCES) for _ in range(count)]


def dims_of(names: list[str]) -> list[str]:
    return sorted({d for name in names for d in DIMS.get(name, [])})


def size(rng: random.Random) -> str:
    return rng.choice(NUMBERS) if rng.random() < 0.08 else str(rng.randint(1, 64))


def sizes(rng: random.Random) -> str:
    """A value for `--set`: now and then a sweep's list or range."""
    return rng.choice(SWEPT) if rng.random() < 0.15 else size(rng)


def symbol(rng: random.Random) -> str:
    return rng.choice(SYMBOLS[:5]) if rng.random() < 0.8 else rng.choice(SYMBOLS)


def setting(rng: random.Random) -> list[str]:
    shape = rng.random()
    if shape < 0.85:
        return ["--set", f"{symbol(rng)}={sizes(rng)}"]
    return ["--set", rng.choice([symbol(rng), f"={size(rng)}", f"{symbol(rng)}=={size(rng)}",
                                 f"{symbol(rng)}=1=2", f"--set={symbol(rng)}=3"])]  # fmt: skip


def network(rng: random.Random) -> list[str]:
    flags = []
    if rng.random() < 0.3:
        flags += ["--layers", rng.choice([size(rng), symbol(rng), "L", "L", "2", "10"])]
    if rng.random() < 0.2:
        flags.append("--bidirectional")
    if rng.random() < 0.2:
        flags.append("--no-bias")
    return flags


def settings(rng: random.Random, names: list[str], chance: float = 0.6) -> list[str]:
    """`--set` for some of `names` (each with `chance`), and now and then any `--set`."""
    flags = []
    for name in names:
        if rng.random() < chance:
            flags += ["--set", f"{name}={sizes(rng)}"]
    for _ in range(rng.choice([0] * 8 + [1, 2])):
        flags += setting(rng)
    return flags


def build_count(rng):
    cells = sources_for(rng, rng.choice([1, 1, 2, 3]))
    argv = ["count", *cells, *settings(rng, dims_of(cells)), *network(rng)]
    if rng.random() < 0.5:
        argv += ["--format", rng.choice(["text", "json", "latex", "markdown", "csv", "pdf", ""])]
    if rng.random() < 0.15:
        argv += ["--cell", rng.choice(["a", "b", "lstm", "nope", "", "\udcff", "tagger", "lm", "ffn"])]
    return argv


# Pricing flags' values: known and unknown conventions and dtypes, odd totals.
CONVENTIONS = ["symcount", "symcount", "thop", "ptflops", "calflops", "torchinfo", "fvcore", "", "SYMCOUNT"]
DTYPES = ["fp32", "fp16", "bf16", "fp8", "int8", "int4", "fp64", "int2", "", "FP16"]


def pricing(rng: random.Random) -> list[str]:
    flags = []
    if rng.random() < 0.3:
        flags += ["--convention", rng.choice(CONVENTIONS)]
    if rng.random() < 0.4:
        flags += ["--dtype", rng.choice(DTYPES)]
    for flag in ("--seq", "--batch"):
        if rng.random() < 0.3:
            flags += [flag, rng.choice(BIG) if rng.random() < 0.1 else size(rng)]
    return flags


def build_cost(rng):
    cells = sources_for(rng, rng.choice([1, 1, 2, 3]))
    argv = ["cost", *cells, *settings(rng, dims_of(cells)), *network(rng), *pricing(rng)]
    if rng.random() < 0.6:
        argv += ["--format", rng.choice(["text", "json", "latex", "markdown", "csv", "tsv"])]
    if rng.random() < 0.1:
        argv += ["--cell", rng.choice(["a", "e", "lstm", "nope"])]
    return argv


# Budgets as people write them, and what is none: a fraction, zero, words, too many digits.
BUDGETS = ["1000000", "1_000_000", "1e6", "1M", "2.5k", "1.5G", "7B", "300", "1", "50"]
BAD_BUDGETS = ["1.5", "0", "-5", "=-1M", "1e-3", "0.0005k", "abc", "", "1__0", "1m", "k", "nan", "1e400",
               "9" * 101, "1e-999999999", "٣k", "1M5", " "]  # fmt: skip
METRICS = ["params", "params", "macs", "flops", "weight_bytes", "state_bytes"] * 3 + ["activation_bytes", ""]


def build_solve(rng):
    cells = sources_for(rng, rng.choice([1, 1, 2, 3]))
    stack = network(rng)
    dims = dims_of(cells) + (["L"] if "L" in stack else [])
    target = rng.choice(dims) if dims and rng.random() < 0.9 else symbol(rng)
    argv = ["solve", *cells, "--for", target, *stack]
    argv += settings(rng, [d for d in dims if d != target], chance=0.9)
    how = rng.random()  # --budget, --match, both (a usage error) or neither (too)
    if how < 0.72 or 0.95 < how < 0.98:
        budget = rng.choice(BAD_BUDGETS) if rng.random() < 0.1 else rng.choice(BUDGETS)
        argv += [f"--budget{budget}"] if budget.startswith("=") else ["--budget", budget]
    if 0.72 <= how < 0.98:
        [match] = sources_for(rng)
        given = [d for d in DIMS.get(match, []) + (["L"] if "L" in stack else []) if rng.random() < 0.95]
        argv += ["--match", match]
        if rng.random() < 0.9:
            argv += ["--at", ",".join(f"{d}={size(rng)}" for d in given) or rng.choice(["", "m", "n=1,n=2"])]
    if rng.random() < 0.3:
        argv += ["--metric", rng.choice(METRICS)]
    if rng.random() < 0.2:
        argv += pricing(rng)[:2]
    if rng.random() < 0.2:
        argv += ["--multiple-of", rng.choice(NUMBERS) if rng.random() < 0.2 else rng.choice(["2", "8", "64", "3"])]
    if rng.random() < 0.5:
        argv += ["--format", rng.choice(["text", "json", "latex", "markdown", "csv"] * 3 + ["tsv"])]
    if rng.random() < 0.1:
        argv += ["--cell", rng.choice(["a", "hd", "lstm", "nope"])]
    return argv


def build_latex(rng):
    cells = sources_for(rng, rng.choice([1, 1, 2]))
    argv = ["latex", *cells, *settings(rng, dims_of(cells)), *network(rng)]
    if rng.random() < 0.3:
        argv += ["--cost", *pricing(rng)]
    elif rng.random() < 0.05:
        argv += pricing(rng)  # without --cost: a usage error when it changes a default
    for flag in ("--equations", "--params", "--standalone"):
        if rng.random() < 0.4:
            argv.append(flag)
    if rng.random() < 0.3:
        argv += ["--form", rng.choice(["expanded", "factored", "pretty"])]
    if rng.random() < 0.3:
        argv += ["--only", rng.choice(["table", "count", "equations", "params", "cost", "all", ""])]
    if rng.random() < 0.2:
        argv += ["--label-prefix", rng.choice(["paper:", "", "a b", "x{", "é:", "fig/1-", "\\ref"])]
    if rng.random() < 0.2:
        argv.append("--number-lines")
    if rng.random() < 0.3:
        widths = ["3.3in", "1in", "0.99in", "252pt", "8.4cm", "6.5 in", "9999.9999pc", "3", "-3in", "1e2in", "wide", ""]
        argv += ["--width", rng.choice(widths)]
    if rng.random() < 0.4:
        argv += ["-o", rng.choice(OUTPUTS)]
    return argv


BIG = ["9" * 16, "9" * 17, "9" * 30, "1" + "0" * 99, "9" * 100, "9" * 155, "9" * 310]


def build_plot(rng):
    cells = rng.sample(["lstm", "gru", "rnn", "torch.lstm_proj", "two.cell", "dense.cell",
                        "three.cell", "own_l.cell", "zero.cell"], rng.choice([1, 1, 2]))  # fmt: skip
    stack = network(rng)
    dims = dims_of(cells) + (["L"] if "L" in stack else [])
    varied = rng.choice(dims) if rng.random() < 0.9 else rng.choice(SYMBOLS)
    start = rng.choice(["1", "2", "3"]) if rng.random() < 0.9 else rng.choice(["0", "-3", "a", ""])
    stop = rng.choice(["5", "64", "300", "5000", "9007199254740992"])
    if rng.random() < 0.15:
        stop = rng.choice(["9007199254740993", "999999999999999999999", "1" + "0" * 99, "1", "x"])
    argv = ["plot", *cells, "--vary", f"{varied}={start}:{stop}", *stack]
    for name in dims:
        if name != varied and rng.random() < 0.97:
            value = rng.choice(BIG) if rng.random() < 0.15 else size(rng)
            argv += ["--set", f"{name}={rng.choice(SWEPT) if rng.random() < 0.02 else value}"]
    if rng.random() < 0.3:
        argv.append("--log")
    if rng.random() < 0.25:
        argv += ["--size", rng.choice(FIGURE_SIZES)]
    if rng.random() < 0.2:
        argv += ["--dpi", rng.choice(["72", "300", "1200", *NUMBERS])]
    if rng.random() < 0.15:
        argv += ["--title", rng.choice(TITLES)]
    return argv + ["-o", rng.choice(OUTPUTS[1:4] * 15 + PLOT_OUTPUTS * 5 + OUTPUTS)]


# Good and bad `--size W,H` and `--title` values: too small or large, not
# numbers, one or three of them, mathtext matplotlib cannot read.
FIGURE_SIZES = ["3.3,2.4", "7,4.5", "1,1", "0.5,0.5", "50,50", "0,2", "2,0", "-3,2", "nan,2",
                "inf,3", "3", "3,2,1", "a,b", ",", "", "1e400,2", "3.3 , 2.4", "٣,٢",
                "51,1"]  # fmt: skip
TITLES = ["", "LSTM", "$m = 128$", r"$\frobnicate$", "$x^$", "$", "$$", "a $b", "\udcff",
          "😀 $\alpha$"]  # fmt: skip
PLOT_OUTPUTS = ["out.eps", "out.ps", "out.PDF", "out.jpg"]


def build_check(rng):
    return ["check", *sources_for(rng, rng.choice([1, 2]))]


# `fmt` does not format models yet (render/cellfmt.py; tests/test_cellfmt.py has awd_lstm):
# until it does, it is not fed the files that hold one.
MODELS = {"model.cell", "unfit.cell", "unknown.cell", "tied.cell", "reads.cell"}
MODELS |= {name for name in BUILTINS if sources.builtin_kind(name) == "model"}


def build_fmt(rng):
    argv = ["fmt", *(s for s in sources_for(rng, rng.choice([1, 2])) if s not in MODELS)]
    mode = rng.random()
    if mode < 0.3:
        argv.append("--check")
    elif mode < 0.6:
        argv.append("--in-place")  # rewrites the folder's cell files: run_case restores them
    elif mode < 0.65:
        argv += ["--check", "--in-place"]
    return argv


def build_show(rng):
    return ["show", rng.choice([*BUILTINS, "lstn", "", "two.cell", "\udcff", "../lstm"])]


def build_list(rng):
    return ["list", *(["lstm"] if rng.random() < 0.3 else [])]


def build_verify(rng):
    argv = [
        "verify",
        *rng.sample([*BUILTINS, "fake_torch.cell", "two.cell"], rng.choice([0, 1, 2])),
    ]
    if rng.random() < 0.4:
        argv += ["--framework", rng.choice(["torch", "keras", "jax"])]
    if rng.random() < 0.3:
        argv += ["--trials", size(rng)]
    if rng.random() < 0.3:
        argv += ["--seed", rng.choice(["0", "-5", "9" * 50, "x"])]
    return argv + network(rng)


def build_junk(rng):
    return [rng.choice(ODD + SOURCES) for _ in range(rng.randint(0, 4))]


BUILD = {
    "count": build_count, "cost": build_cost, "solve": build_solve, "latex": build_latex, "check": build_check, "fmt": build_fmt,
    "plot": build_plot, "show": build_show, "list": build_list, "verify": build_verify,
    "junk": build_junk,
}  # fmt: skip


def edit(argv: list[str], rng: random.Random) -> list[str]:
    argv = list(argv)
    at = rng.randrange(len(argv) + 1)
    kind = rng.choice(["drop", "duplicate", "swap", "insert", "odd", "repeat-flag"])
    if kind == "drop" and argv:
        del argv[min(at, len(argv) - 1)]
    elif kind == "duplicate" and at < len(argv):
        argv[at:at] = argv[at : at + 2]
    elif kind == "swap" and len(argv) > 1:
        i, j = rng.randrange(len(argv)), rng.randrange(len(argv))
        argv[i], argv[j] = argv[j], argv[i]
    elif kind == "insert":
        argv.insert(at, rng.choice(ODD + SOURCES + NUMBERS))
    elif kind == "odd" and at < len(argv):
        argv[at] = argv[at] + rng.choice(ODD)
    else:  # the same flag again, maybe with another value
        argv += rng.choice([setting(rng), ["--layers", size(rng)], ["--vary", "n=1:9"],
                            ["--layers", argv[-1] if argv else "2"]])  # fmt: skip
    return argv


# ---- the check ----


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-fuzz")
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    (folder / "folder.cell").mkdir()
    os.symlink("existing.tex", folder / "link.tex")
    try:
        os.mknod(folder / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:  # not root: /dev/null itself cannot be damaged
        os.symlink(os.devnull, folder / "null")
    return folder


PRECIOUS = {"existing.tex": b"precious tex\n", "existing.png": b"precious png\n"}


def run_case(number: int, folder) -> int:
    """Run case `number` in `folder`; return its exit status."""
    argv, stdin = command_line(number)
    for name, data in {**PRECIOUS, **FILES}.items():  # as they were: `fmt --in-place` rewrites
        (folder / name).write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    stdin_file = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), time_limit(TIMEOUT):
        with warnings_as_the_command_shows_them() as shown:
            saved, sys.stdin = sys.stdin, stdin_file
            try:
                code = cli.main(argv)
            except SystemExit as e:  # argparse: --help, --version, usage errors
                code = e.code
            finally:
                sys.stdin = saved
    stdout, stderr = out.getvalue(), err.getvalue()
    where = f"case {number}: {argv!r}\nstderr: {stderr[-1500:]}"
    assert not shown, f"{where}\nPython warnings: {[str(w.message) for w in shown]}"
    assert code in (0, 1, 2), where
    assert "Traceback" not in stderr and "Traceback" not in stdout, where
    if code != 0:
        would_change = code == 1 and "--check" in argv and stdout.startswith("--- ")
        assert would_change or re.search(r"(^|: )error: ", stderr, re.M), where
        for name, data in {**PRECIOUS, **FILES}.items():
            assert (folder / name).read_bytes() == data, where
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, where
    assert not (folder / "null").is_file(), where  # still a device
    return code


@contextlib.contextmanager
def warnings_as_the_command_shows_them():
    """Collect the warnings that `symcount` run from a shell would print in
    Python's format (pytest shows more, and would hide them from stderr)."""
    with warnings.catch_warnings(record=True) as shown:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for category in (
            DeprecationWarning,
            PendingDeprecationWarning,
            ImportWarning,
            ResourceWarning,
        ):
            warnings.simplefilter("ignore", category)
        yield shown


def run_batch(first: int, count: int, folder, monkeypatch) -> list[int]:
    """Run the cases; return their exit statuses."""
    monkeypatch.chdir(folder)
    monkeypatch.setattr(verify, "run", lambda *args: [])
    failures, codes = [], []
    for number in range(first, first + count):
        try:
            codes.append(run_case(number, folder))
        except Exception:
            failures.append(traceback.format_exc(limit=-4))
    assert not failures, f"{len(failures)} of {count} cases failed:\n\n" + "\n".join(failures[:5])
    return codes


@pytest.mark.parametrize("first", range(0, DEFAULT_CASES, BATCH))
def test_random_command_lines(first, workdir, monkeypatch):
    codes = run_batch(first, min(BATCH, DEFAULT_CASES - first), workdir, monkeypatch)
    # Guards the generator: command lines that all fail in argparse, or that
    # never fail, would test little.
    assert all(codes.count(code) >= 10 for code in (0, 1, 2)), [codes.count(c) for c in (0, 1, 2)]


@pytest.mark.slow
@pytest.mark.parametrize("first", range(DEFAULT_CASES, DEFAULT_CASES + SLOW_CASES, BATCH))
def test_random_command_lines_slow(first, workdir, monkeypatch):
    run_batch(first, BATCH, workdir, monkeypatch)
