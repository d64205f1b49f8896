"""Command line: argument parsing and exit codes, nothing else.

Exit status: 0 success; 1 a problem in the input (reported as
`FILE:LINE:COL: error: MESSAGE` with the source line and a caret); 2 wrong
usage. Heavy modules (sympy, lark) are imported inside the commands so that
`symcount --help` and `symcount list` start fast.
"""

from __future__ import annotations

import argparse
import functools
import sys
import warnings

from . import __version__, sources
from .errors import SymcountError
from .render import FORMATS


class UsageError(Exception):
    """Wrong command-line usage discovered after parsing (exit 2)."""


class Reported(Exception):
    """Input errors already printed (warnings under --strict): exit 1."""


def _size_setting(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected SYM=INT, got {_shown(text)}")
    return name, _positive(value.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symcount",
        description="Closed-form trainable-parameter counts for recurrent cells.",
        epilog="A SOURCE is a .cell file, '-' for standard input, or a built-in cell name "
        "(see `symcount list`). Exit status: 0 ok, 1 input error, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"symcount {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    count = commands.add_parser("count", help="the closed-form parameter count of each cell")
    _add_sources(count)
    _add_network(count)
    count.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )

    check = commands.add_parser(
        "check", help="validate cells; list each parameter's shape and gate"
    )
    check.add_argument("sources", nargs="+", metavar="SOURCE")
    _add_strict(check)

    commands.add_parser("list", help="list the built-in cells")
    show = commands.add_parser("show", help="print the text of a built-in cell")
    show.add_argument("name", metavar="NAME")

    fmt = commands.add_parser(
        "fmt", help="print cells in canonical form (syntax checked only; comments dropped)"
    )
    fmt.add_argument("sources", nargs="+", metavar="SOURCE", help="file, '-' or built-in name")

    latex = commands.add_parser(
        "latex",
        help="LaTeX for papers: the formula, the cell's equations, a parameter table",
        description="One equation per cell with its parameter count; with --set for every "
        "size symbol of several cells, also one comparison table.",
    )
    _add_sources(latex)
    _add_network(latex)
    latex.add_argument(
        "--form",
        choices=("expanded", "factored"),
        default="expanded",
        help="how to write the count (default: expanded)",
    )
    latex.add_argument(
        "--equations", action="store_true", help="add the cell's equations as an align block"
    )
    latex.add_argument(
        "--params", action="store_true", help="add a table of parameters with the total"
    )
    latex.add_argument("--standalone", action="store_true", help="a complete document for pdflatex")
    latex.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )

    plot = commands.add_parser(
        "plot",
        help="plot parameter counts against one size (needs symcount[plot])",
        description="One line per cell: its parameter count as the size --vary ranges over, "
        "every other size symbol given by --set. PNG, SVG or PDF by the extension of -o.",
    )
    _add_sources(plot)
    _add_network(plot)
    plot.add_argument(
        "--vary",
        metavar="SYM=START:STOP",
        type=_range_setting,
        action="append",  # to refuse a second one (see _one_value_each), not to sweep
        required=True,
        help="the size on the x axis and its range, such as n=1:1024",
    )
    plot.add_argument("--log", action="store_true", help="logarithmic axes")
    plot.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the image: .png, .svg or .pdf"
    )

    verify = commands.add_parser(
        "verify",
        help="compare framework built-ins with the real PyTorch/Keras layers",
        description="Build each framework layer (torch.*, keras.*) at random sizes, sum its "
        "parameter tensors and compare with symcount's count. Without SOURCE: every "
        "framework built-in (of --framework, if given).",
    )
    verify.add_argument("sources", nargs="*", metavar="SOURCE", help="framework cells to check")
    verify.add_argument("--framework", choices=("torch", "keras"), help="only this framework")
    verify.add_argument("--trials", type=_positive, default=5, metavar="N", help="random sizes per cell (default 5)")
    verify.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_strict(verify)
    _add_network(verify)
    return parser


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
        help="drop every parameter that is only ever added (bias=False / use_bias=False)",
    )


def _add_strict(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1)"
    )


def _add_sources(command: argparse.ArgumentParser) -> None:
    command.add_argument("sources", nargs="+", metavar="SOURCE", help="file, '-' or built-in name")
    _add_strict(command)
    command.add_argument("--cell", metavar="NAME", help="only the cell with this name")
    command.add_argument(
        "--set",
        dest="sizes",
        metavar="SYM=INT",
        action="append",
        type=_size_setting,
        default=[],
        help="give a size symbol a value (repeatable); with every symbol set, the count is evaluated",
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _one_value_each(args)
        return COMMANDS[args.command](args)
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
    """Refuse `--layers` or `--vary` given twice and `--set` twice for one symbol.

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
    first: dict[str, int] = {}
    for name, value in getattr(args, "sizes", []):
        if name in first:
            raise UsageError(
                f"--set {name} given twice ({name}={first[name]}, then {name}={value}); "
                "set each size symbol once"
            )
        first[name] = value


def _setting_text(value) -> str:
    if isinstance(value, tuple):  # a --vary range
        name, start, stop = value
        return f"{name}={start}:{stop}"
    return str(value)


@functools.cache
def _api():
    """The derivation pipeline (sympy, lark), imported once per process (see gcpause)."""
    from . import gcpause

    def load():
        from . import api

        return api

    return gcpause.frozen_imports(load)


def _warn(cells, strict: bool) -> None:
    """Print the cells' warnings on stderr; under --strict they are errors."""
    found = [w for cell in cells for w in cell.warnings]
    for warning in found:
        print(warning.render("error" if strict else "warning"), file=sys.stderr)
    if strict and found:
        raise Reported()


def _load(args) -> list:
    cells = [cell for spec in args.sources for cell in _api().read_source(spec)]
    _warn(cells, args.strict)
    if getattr(args, "cell", None):
        chosen = [c for c in cells if c.name == args.cell]
        if not chosen:
            from .errors import Location, suggest

            available = ", ".join(c.name for c in cells)
            raise SymcountError(
                f"no cell named '{args.cell}'"
                + suggest(args.cell, [c.name for c in cells])
                + f"; the sources have: {available}",
                Location(", ".join(args.sources)),
            )
        cells = chosen
    return [_network(cell, args) for cell in cells]


def _network(cell, args):
    """The cell as the stacking and bias flags ask for it."""
    if getattr(args, "no_bias", False):
        cell = cell.without_biases()
    layers = getattr(args, "layers", None)
    bidirectional = getattr(args, "bidirectional", False)
    if layers is None and not bidirectional:
        return cell
    _check_layers_symbol(cell, layers)
    return cell.stacked(1 if layers is None else layers, bidirectional=bidirectional)


def _check_layers_symbol(cell, layers) -> None:
    """`--layers m` where m is one of the cell's own sizes would tie the depth
    to that size (m layers of input width m): never what was meant."""
    dims = [str(d) for d in cell.dims]
    if isinstance(layers, str) and layers in dims:
        free = (f"L{k}" if k else "L" for k in range(len(dims) + 1))
        fresh = next(name for name in free if name not in dims)
        raise UsageError(
            f"--layers {layers}: '{layers}' is already a size of cell '{cell.name}' "
            f"({', '.join(dims)}); give the number of layers a symbol of its own, "
            f"such as --layers {fresh}"
        )


def _reports(cells, sizes: list[tuple[str, int]]):
    from .render import Report

    settings = dict(sizes)
    all_dims = {str(d) for cell in cells for d in cell.dims}
    unknown = [name for name in settings if name not in all_dims]
    if unknown:
        raise UsageError(
            f"--set {unknown[0]}: no selected cell has a size symbol '{unknown[0]}' "
            f"(they have: {', '.join(sorted(all_dims))})"
        )
    reports = [
        Report(cell, {str(d): settings[str(d)] for d in cell.dims if str(d) in settings})
        for cell in cells
    ]
    for report in reports:
        try:  # a derived size (`size d = e / H`) must be whole at the sizes given
            report.cell.size_values(report.sizes)
        except (ValueError, KeyError) as e:
            if isinstance(e, ValueError):
                raise UsageError(f"--set: in cell '{report.cell.name}', {e}") from None
    return reports


def cmd_count(args) -> int:
    from .render import render

    reports = _reports(_load(args), args.sizes)
    sys.stdout.write(render(args.format, reports))
    return 0


def cmd_check(args) -> int:
    from .render import Report
    from .render.text import check

    sys.stdout.write(check([Report(cell) for cell in _load(args)]))
    return 0


def cmd_list(args) -> int:
    rows = []
    for name in sources.builtin_names():
        dims, description = sources.builtin_summary(name)
        rows.append((f"{name}({dims})", description))
    width = max(len(r[0]) for r in rows)
    for signature, description in rows:
        print(f"{signature.ljust(width)}  {description}".rstrip())
    return 0


def cmd_show(args) -> int:
    sys.stdout.write(sources.builtin_text(args.name))
    return 0


def cmd_fmt(args) -> int:
    sys.stdout.write("\n".join(_api().format_source(spec) for spec in args.sources))
    return 0


def cmd_latex(args) -> int:
    from .render import render

    reports = _reports(_load(args), args.sizes)
    options = {"equations": args.equations, "params": args.params, "standalone": args.standalone}
    text = render("latex", reports, form=args.form, **options)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        from .atomic import write_atomically

        # surrogateescape: a file name given in bytes that are not UTF-8 is
        # written back as those bytes (as on standard output).
        write_atomically(args.output, text.encode("utf-8", errors="surrogateescape"))
    return 0


def cmd_plot(args) -> int:
    try:
        from .render import plot

        plot.require()
    except ImportError:
        print("symcount plot needs matplotlib: pip install 'symcount[plot]'", file=sys.stderr)
        return 1
    fmt = plot.file_format(args.output)
    if fmt is None:
        raise UsageError(f"-o {args.output}: the file name must end in .png, .svg or .pdf")
    symbol, start, stop = args.vary
    if stop > plot.MAX_SIZE:
        raise UsageError(
            f"--vary {_setting_text(args.vary)}: a plot takes sizes up to 2**53 = "
            f"{plot.MAX_SIZE:,} (past it, neighbouring sizes fall on one point)"
        )
    if symbol in dict(args.sizes):
        raise UsageError(f"--set {symbol}: the size on the x axis (--vary) cannot also be set")
    cells = _load(args)
    all_dims = sorted({str(d) for cell in cells for d in cell.dims})
    if symbol not in all_dims:
        raise UsageError(
            f"--vary {symbol}: no selected cell has a size symbol '{symbol}' "
            f"(they have: {', '.join(all_dims)})"
        )
    reports = _reports(cells, args.sizes)
    for report in reports:
        unset = [str(d) for d in report.cell.dims if str(d) not in {symbol, *report.sizes}]
        if unset:
            raise UsageError(
                f"cell '{report.cell.name}' needs a value for {unset[0]}: add --set {unset[0]}=INT"
            )
    from .atomic import write_atomically

    # matplotlib's warnings (a layout it could not fit, say) as one line each,
    # not as Python prints them (file, line and source of matplotlib's code).
    with warnings.catch_warnings(record=True) as caught:
        try:
            figure = plot.figure(reports, symbol, start, stop, log=args.log)
        except plot.PlotError as e:
            raise UsageError(str(e)) from None
        write_atomically(args.output, lambda out: plot.save(figure, out, fmt))
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in caught):
        print(f"symcount: warning: {message}", file=sys.stderr)
    return 0


def cmd_verify(args) -> int:
    from . import verify

    cells = _verify_cells(args, verify.LAYERS)
    try:
        checks = verify.run(
            cells, args.trials, args.layers, args.bidirectional, not args.no_bias, args.seed
        )
    except verify.FrameworkMissing as e:
        print(f"symcount: error: {e}", file=sys.stderr)
        return 1
    from .render.text import verification

    sys.stdout.write(verification(checks, bias=not args.no_bias))
    return 0 if all(c.match for c in checks) else 1


def _verify_cells(args, layers: dict) -> list:
    """The cells to verify: the named sources, else every framework built-in."""
    from .api import builtin, read_source
    from .errors import Location

    if args.sources:
        cells = [cell for spec in args.sources for cell in read_source(spec)]
    else:
        cells = [builtin(name) for name in layers]
    _warn(cells, args.strict)
    if args.framework:
        cells = [c for c in cells if layers.get(c.name, None) and layers[c.name].framework == args.framework]
    for cell in cells:
        _check_layers_symbol(cell, args.layers)
        if cell.name not in layers:
            raise SymcountError(
                f"cell '{cell.name}' has no framework layer to compare with; "
                f"verify knows: {', '.join(layers)}",
                Location(cell.source),
            )
        # The framework layer is built from the sizes by name (m, n, p).
        expected = builtin(cell.name).dims
        if cell.dims != expected:
            raise SymcountError(
                f"cell '{cell.name}' must have the size symbols "
                f"({', '.join(map(str, expected))}) to be compared with its framework layer",
                Location(cell.source),
            )
    if not cells:
        raise UsageError(f"no {args.framework} cell among the sources")
    return cells


COMMANDS = {
    "count": cmd_count,
    "check": cmd_check,
    "list": cmd_list,
    "show": cmd_show,
    "verify": cmd_verify,
    "latex": cmd_latex,
    "plot": cmd_plot,
    "fmt": cmd_fmt,
}


if __name__ == "__main__":
    sys.exit(main())
