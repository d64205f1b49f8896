"""Command line: argument parsing and exit codes, nothing else.

Exit status: 0 success; 1 a problem in the input (reported as
`FILE:LINE:COL: error: MESSAGE` with the source line and a caret); 2 wrong
usage. Heavy modules (sympy, lark) are imported inside the commands so that
`symcount --help` and `symcount list` start fast.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from typing import NamedTuple

from .. import __version__
from ..errors import SymcountError
from ..render import FORMATS, MAX_ROWS
from ..render.settings import LATEX, PLOT, PLOT_FILES, Setting, Settings
from . import commands
from .commands import PRICING, Reported, Swept, UsageError


class Command(NamedTuple):
    """A command: its line in `symcount --help`, what runs it (commands.py), the
    arguments it takes (a function that adds them to its parser) and its own
    `--help` text."""

    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    description: str | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symcount",
        description="Closed-form trainable-parameter counts for recurrent cells.",
        epilog="A SOURCE is a .cell file, '-' for standard input, or a built-in cell name "
        "(see `symcount list`). Exit status: 0 ok, 1 input error, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"symcount {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.description)
        command.add_arguments(sub)
    return parser


# ---- each command's arguments ----


def _count(parser: argparse.ArgumentParser) -> None:
    _add_sources(parser, sweeps=True)
    _add_network(parser)
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )


def _cost(parser: argparse.ArgumentParser) -> None:
    _add_sources(parser, sweeps=True)
    _add_network(parser)
    _add_cost(parser)
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )


def _solve(parser: argparse.ArgumentParser) -> None:
    _add_sources(parser)
    _add_network(parser)
    parser.add_argument(
        "--for", dest="for_", metavar="SYM", required=True, type=_symbol,
        help="the size to solve for: the hidden size n, a number of heads, the layers L of --layers L",
    )  # fmt: skip
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument(
        "--budget", metavar="N", type=_budget,
        help="the most the metric may be: 1000000, 1_000_000, 1e6, 1M, 2.5k (k, M, G, T, B: 10^3 to 10^12)",
    )  # fmt: skip
    budget.add_argument(
        "--match", metavar="CELL", help="the budget is this cell's metric at the sizes --at gives (a SOURCE)"
    )
    parser.add_argument(
        "--at", metavar="SYM=INT,...", type=_sizes_at, help="the sizes of the --match cell, every one of them"
    )
    parser.add_argument(
        "--metric", metavar="NAME", default="params",
        help="what the budget bounds: params (the default), macs, flops, weight_bytes or state_bytes",
    )  # fmt: skip
    parser.add_argument(
        "--multiple-of", metavar="K", type=_positive, default=1, help="only values that are multiples of K"
    )
    parser.add_argument(
        "--convention", metavar="NAME", default=PRICING["convention"],
        help="how MACs and FLOPs are priced (default: symcount; docs/costs.md)",
    )  # fmt: skip
    parser.add_argument(
        "--dtype", metavar="DTYPE", default=PRICING["dtype"],
        help="what weights and state are stored in, for weight_bytes and state_bytes (default: fp32)",
    )  # fmt: skip
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")


def _check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE")
    _add_strict(parser)


def _show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")


def _fmt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="file, '-' or built-in name")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="change nothing; print the changes as a unified diff, exit 1 if there are any",
    )
    mode.add_argument(
        "--in-place",
        action="store_true",
        help="rewrite each file (atomically) instead of printing; not '-' nor a built-in",
    )


def _latex(parser: argparse.ArgumentParser) -> None:
    _add_sources(parser, sweeps=True)
    _add_network(parser)
    _add_settings(parser, LATEX)
    parser.add_argument(
        "--cost", action="store_true", help="add a table of the cost per step (as symcount cost gives it)"
    )
    _add_cost(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )


def _plot(parser: argparse.ArgumentParser) -> None:
    _add_sources(parser)
    _add_network(parser)
    parser.add_argument(
        "--vary",
        metavar="SYM=START:STOP",
        type=_range_setting,
        action="append",  # to refuse a second one (see _one_value_each), not to sweep
        required=True,
        help="the size on the x axis and its range, such as n=1:1024",
    )
    _add_settings(parser, PLOT)
    parser.add_argument(
        "-o", "--output", metavar="FILE", required=True, help=f"the image: {', '.join(PLOT_FILES)}"
    )


def _verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help="framework cells to check")
    parser.add_argument("--framework", choices=("torch", "keras"), help="only this framework")
    parser.add_argument("--trials", type=_positive, default=5, metavar="N", help="random sizes per cell (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_strict(parser)
    _add_network(parser)
    parser.add_argument(
        "--format", choices=("text", "csv"), default="text", help="output format (default: text)"
    )


# The commands, in the order `symcount --help` lists them.
COMMANDS = {
    "count": Command("the closed-form parameter count of each cell and model", commands.cmd_count, _count),
    "cost": Command(
        "compute and memory per step in closed form: MACs, FLOPs, weight, state and activation bytes",
        commands.cmd_cost,
        _cost,
        "Per time step and sequence (with --seq and --batch, in total), as formulas in "
        "the size symbols and their values when every size is set, with a breakdown per "
        "gate and per kind of operation (docs/costs.md describes the conventions).",
    ),
    "solve": Command(
        "the largest size within a budget of parameters, MACs, FLOPs or bytes",
        commands.cmd_solve,
        _solve,
        "For each cell, the largest valid value of the size --for whose metric is at most "
        "the budget (a multiple of --multiple-of, and one at which every derived size is "
        "whole), the metric there, and the next valid value above with its metric. Every "
        "other size is given by --set.",
    ),
    "check": Command(
        "validate cells and models; list every parameter's shape (a cell's gate, a model's component)",
        commands.cmd_check,
        _check,
    ),
    "list": Command("list the built-in cells, then the built-in models", commands.cmd_list),
    "show": Command("print the text of a built-in cell or model", commands.cmd_show, _show),
    "fmt": Command(
        "print cells in canonical form, comments kept (syntax checked only)",
        commands.cmd_fmt,
        _fmt,
        "Print the cells of each SOURCE in one canonical layout, each comment beside "
        "what it was written with. --check shows what would change; --in-place makes it.",
    ),
    "latex": Command(
        "LaTeX for papers: the formula, the cell's equations, a parameter table",
        commands.cmd_latex,
        _latex,
        "One equation per cell with its parameter count; with --set for every "
        "size symbol of several cells, also one comparison table.",
    ),
    "plot": Command(
        "plot parameter counts against one size (needs symcount[plot])",
        commands.cmd_plot,
        _plot,
        "One line per cell: its parameter count as the size --vary ranges over, "
        "every other size symbol given by --set. PDF, EPS, PS, SVG or PNG by the "
        "extension of -o.",
    ),
    "verify": Command(
        "compare framework built-ins with the real PyTorch/Keras layers",
        commands.cmd_verify,
        _verify,
        "Build each framework layer (torch.*, keras.*) at random sizes, sum its "
        "parameter tensors and compare with symcount's count. Without SOURCE: every "
        "framework built-in (of --framework, if given).",
    ),
}


# ---- the option groups commands share, and their values ----


def _size_setting(text: str) -> tuple[str, int | Swept]:
    """`n=128` → ('n', 128); a list `n=128,256` or a range `n=64:512:64` → ('n',
    Swept(...)), a sweep, which only the commands in SWEEPS take."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected SYM=INT, SYM=A,B,C or SYM=START:STOP[:STEP], got {_shown(text)}"
        )
    if "," in value and ":" in value:
        raise argparse.ArgumentTypeError(f"{_shown(text)}: give a list (A,B,C) or a range (START:STOP), not both")
    if "," in value:
        return name, _size_list(text, value)
    if ":" in value:
        return name, _size_range(text, value)
    return name, _positive(value.strip())


# The commands whose `--set` takes a list or a range of values (docs/cli.md, "Sweeps").
SWEEPS = ("count", "cost", "latex")


def _size_list(text: str, value: str) -> Swept:
    """`128,256,512`: each a size, none twice, in the order given."""
    items = value.split(",")
    if len(items) > MAX_ROWS:
        raise argparse.ArgumentTypeError(f"{_shown(text)} lists {len(items):,} sizes; a sweep has at most {MAX_ROWS:,} rows")
    sizes: dict[int, None] = {}
    for index, item in enumerate(items, 1):
        size = _part(text, f"value {index}", item)
        if size in sizes:
            raise argparse.ArgumentTypeError(f"{_shown(text)} lists {size} twice; give each size once")
        sizes[size] = None
    return Swept(tuple(sizes), value.strip())


def _size_range(text: str, value: str) -> Swept:
    """`64:512:64`: START, START + STEP, ... up to STOP, STOP included when a step lands on it."""
    parts = value.split(":")
    if len(parts) > 3:
        raise argparse.ArgumentTypeError(f"expected SYM=START:STOP or SYM=START:STOP:STEP, got {_shown(text)}")
    start, stop = _part(text, "START", parts[0]), _part(text, "STOP", parts[1])
    step = _part(text, "STEP", parts[2]) if len(parts) == 3 else 1
    if stop < start:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} is an empty range: STOP ({stop}) is below START ({start}); "
            "a range counts up from START to STOP"
        )
    count = (stop - start) // step + 1
    if count > MAX_ROWS:
        raise argparse.ArgumentTypeError(
            f"{_shown(text)} has {count:,} sizes; a sweep has at most {MAX_ROWS:,} rows (use a larger STEP)"
        )
    return Swept(range(start, stop + 1, step), value.strip())


def _part(text: str, what: str, value: str) -> int:
    """One size of a list or a range, its error naming which it is."""
    try:
        return _positive(value.strip())
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{_shown(text)}: {what}: {e}") from None


# As for an integer in a cell's size: no real size comes close, and Python
# refuses to print a number of more than 4,300 digits (a count, a value).
MAX_DIGITS = 100


def _positive(text: str) -> int:
    digits = text.strip().lstrip("+-").replace("_", "").lstrip("0")
    try:
        value = int(text)
    except ValueError:
        if not (digits.isdigit() and len(digits) > MAX_DIGITS):  # else Python's own limit
            message = f"expected a whole number, got {_shown(text)}"
            raise argparse.ArgumentTypeError(message) from None
        value = None
    if value is None or abs(value) >= 10**MAX_DIGITS:
        raise argparse.ArgumentTypeError(
            f"a size has at most {MAX_DIGITS} digits; this one has {len(digits):,}"
        )
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _symbol(text: str) -> str:
    if not text.isidentifier():
        raise argparse.ArgumentTypeError(f"expected a size symbol, got {_shown(text)}")
    return text


def _sizes_at(text: str) -> list[tuple[str, int]]:
    """`m=128,n=256` → [('m', 128), ('n', 256)], each symbol once."""
    sizes = [_size_setting(part) for part in text.split(",")]
    names = [name for name, _ in sizes]
    twice = next((name for name in names if names.count(name) > 1), None)
    if twice is not None:
        raise argparse.ArgumentTypeError(f"{twice} given twice in {_shown(text)}")
    return sizes


# Budgets as people write them (docs/cli.md, "solve"): digits with `_` between
# groups, a decimal point, an exponent, a suffix. Read exactly, never as a float.
_BUDGET = re.compile(
    r"(?P<sign>[+-]?)(?P<whole>\d+(?:_\d+)*)?(?:\.(?P<part>\d+(?:_\d+)*)?)?(?:[eE](?P<exp>[+-]?\d+))?(?P<suffix>[kKMGTB]?)"
)
_SUFFIXES = {"": 0, "k": 3, "K": 3, "M": 6, "G": 9, "B": 9, "T": 12}


def _budget(text: str) -> int:
    """A positive whole number as written: `1000000`, `1_000_000`, `1e6`, `1M`, `2.5k`."""
    from fractions import Fraction

    found = _BUDGET.fullmatch(text.strip())
    if found is None or not (found["whole"] or found["part"]):
        raise argparse.ArgumentTypeError(
            f"expected a number such as 1000000, 1_000_000, 1e6, 1M or 2.5k, got {_shown(text)}"
        )
    digits = (found["whole"] or "0").replace("_", "") + (found["part"] or "").replace("_", "")
    places = len((found["part"] or "").replace("_", ""))
    exponent = int(found["exp"][:MAX_DIGITS] if found["exp"] else 0) + _SUFFIXES[found["suffix"]]
    too_long = argparse.ArgumentTypeError(f"a budget has at most {MAX_DIGITS} digits, got {_shown(text)}")
    if len(digits) > 2 * MAX_DIGITS or abs(exponent) > 2 * MAX_DIGITS:
        raise too_long
    value = Fraction(int(digits), 10**places) * Fraction(10) ** exponent * (-1 if found["sign"] == "-" else 1)
    if value.denominator != 1:
        raise argparse.ArgumentTypeError(f"a budget is a whole number, got {_shown(text)} ({float(value):g})")
    if value < 1:
        raise argparse.ArgumentTypeError(f"a budget is at least 1, got {_shown(text)}")
    if value >= 10**MAX_DIGITS:
        raise too_long
    return int(value)


def _shown(text: str) -> str:
    """User text quoted in a message, cut in the middle when long."""
    return repr(text if len(text) <= 60 else f"{text[:30]}...{text[-20:]}")


def _layers_setting(text: str) -> int | str:
    return text if text.isidentifier() else _positive(text)


def _range_setting(text: str) -> tuple[str, int, int]:
    """`n=1:1024` → ('n', 1, 1024)."""
    name, sep, bounds = text.partition("=")
    start, colon, stop = bounds.partition(":")
    name = name.strip()
    if not sep or not colon or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected SYM=START:STOP, got {_shown(text)}")
    first, last = _positive(start.strip()), _positive(stop.strip())
    if last <= first:
        raise argparse.ArgumentTypeError(f"STOP must be larger than START, got {_shown(text)}")
    return name, first, last


def _add_network(command: argparse.ArgumentParser) -> None:
    """The stacking and bias flags shared by `count`, `latex` and `verify`."""
    command.add_argument(
        "--layers",
        metavar="L",
        type=_layers_setting,
        action="append",  # to refuse a second one (see _one_value_each)
        help="stack L layers (a whole number or a size symbol); later layers read the previous output",
    )
    command.add_argument(
        "--bidirectional",
        action="store_true",
        help="two directions per layer, outputs concatenated",
    )
    command.add_argument(
        "--no-bias",
        action="store_true",
        help="drop the biases, as bias=False / use_bias=False does, and name them",
    )


def _add_cost(command: argparse.ArgumentParser) -> None:
    """How a cost is priced and over how much (`cost`, and `latex --cost`).

    The conventions and dtypes are checked once the command runs (cli.commands):
    their tables load sympy, which `symcount --help` must not.
    """
    command.add_argument(
        "--convention",
        metavar="NAME",
        default=PRICING["convention"],
        help="how operations are priced: symcount's own (the default) or as a tool it "
        "reproduces counts them (docs/costs.md); an unknown name is refused with the list",
    )
    command.add_argument(
        "--dtype",
        metavar="DTYPE",
        default=PRICING["dtype"],
        help="what weights, state and activations are stored in (default: fp32); an "
        "unknown one is refused with the list",
    )
    command.add_argument(
        "--seq", metavar="T", type=_positive, default=PRICING["seq"], help="the totals over T time steps (default 1)"
    )
    command.add_argument(
        "--batch", metavar="B", type=_positive, default=PRICING["batch"], help="the totals over B sequences (default 1)"
    )


def _add_strict(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1)"
    )


def _add_sources(command: argparse.ArgumentParser, sweeps: bool = False) -> None:
    command.add_argument("sources", nargs="+", metavar="SOURCE", help="file, '-' or built-in name")
    _add_strict(command)
    command.add_argument("--cell", metavar="NAME", help="only the cell or model with this name")
    sweep = (
        "; a list A,B,C or a range START:STOP[:STEP] (STOP included) sweeps: one table of "
        "every cell at every combination"
    )
    command.add_argument(
        "--set",
        dest="sizes",
        metavar="SYM=INT",
        action="append",
        type=_size_setting,
        default=[],
        help="give a size symbol a value (repeatable); with every symbol set, the count is evaluated"
        + (sweep if sweeps else ""),
    )


def _add_settings(command: argparse.ArgumentParser, settings: Settings) -> None:
    """A flag for each setting of a writer, as the writer declares it (render/settings.py)."""
    for setting in settings:
        if setting.choices:
            shown = "all of them" if setting.default is None else setting.default
            text = f"{setting.help} (default: {shown})"
            command.add_argument(
                setting.flag, dest=setting.name, choices=setting.choices, default=setting.default, help=text
            )
        elif setting.parse:
            command.add_argument(
                setting.flag, dest=setting.name, type=_parsed(setting), default=setting.default,
                metavar=setting.metavar, help=setting.help,
            )  # fmt: skip
        else:  # a switch, off by default
            command.add_argument(setting.flag, dest=setting.name, action="store_true", help=setting.help)


def _parsed(setting: Setting) -> Callable[[str], object]:
    """The setting's own reading of a flag's value, its ValueError a usage error."""

    def parse(text: str) -> object:
        try:
            return setting.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _one_value_each(args)
        return COMMANDS[args.command].run(args)
    except SymcountError as e:
        print(e.render(), file=sys.stderr)
        return 1
    except Reported:
        return 1
    except UsageError as e:
        parser.print_usage(sys.stderr)
        print(f"symcount: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `symcount ... | head` is not an error
        return 0


def _one_value_each(args) -> None:
    """Refuse `--layers` or `--vary` given twice, `--set` twice for one symbol, and
    a list or range of sizes on a command that does not sweep.

    argparse would let the last value win without a word, and the count would
    be that of a network the command line does not (all) describe. Unwraps
    the single `--layers` and `--vary` that remain.
    """
    for flag, dest in (("--layers", "layers"), ("--vary", "vary")):
        given = getattr(args, dest, None)
        if given is None:
            continue
        if len(given) > 1:
            shown = ", then ".join(_setting_text(value) for value in given)
            times = "twice" if len(given) == 2 else f"{len(given)} times"
            raise UsageError(f"{flag} given {times} ({shown}); give it once")
        setattr(args, dest, given[0])
    first: dict[str, int | Swept] = {}
    for name, value in getattr(args, "sizes", []):
        if name in first:
            raise UsageError(
                f"--set {name} given twice ({name}={first[name]}, then {name}={value}); "
                "set each size symbol once"
            )
        first[name] = value
        if isinstance(value, Swept) and args.command not in SWEEPS:
            *others, last = SWEEPS
            instead = " (it varies one size with --vary)" if args.command == "plot" else ""
            raise UsageError(
                f"--set {name}={value}: only {', '.join(others)} and {last} sweep a list or range "
                f"of sizes; {args.command} takes one value per symbol{instead}"
            )


def _setting_text(value) -> str:
    if isinstance(value, tuple):  # a --vary range
        name, start, stop = value
        return f"{name}={start}:{stop}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main())
