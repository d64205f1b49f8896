"""The commands of the command line: each reads its parsed arguments, runs the
pipeline and prints; `cli` parses the arguments and turns exceptions into exit
statuses. Heavy modules (sympy, lark) are imported inside the commands so that
`symcount --help` and `symcount list` start fast.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import NamedTuple

from .. import sources
from ..errors import SymcountError
from ..render.settings import LATEX, PLOT, PLOT_FILES, Settings


class UsageError(Exception):
    """Wrong command-line usage discovered after parsing (exit 2)."""


class Reported(Exception):
    """Input errors already printed (warnings under --strict): exit 1."""


class Swept(NamedTuple):
    """The value of a `--set` that sweeps: a list (`128,256`) or a range (`64:512:64`)."""

    values: Sequence[int]  # a tuple, or a range (STOP included in it when a step lands on it)
    text: str  # as written, for messages

    def __str__(self) -> str:
        return self.text


@functools.cache
def _api():
    """The derivation pipeline (sympy, lark), imported once per process (see gcpause)."""
    from .. import gcpause

    def load():
        from .. import api

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
            from ..errors import Location, suggest

            available = ", ".join(c.name for c in cells)
            raise SymcountError(
                f"no cell or model named '{args.cell}'"
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
    if isinstance(cell, _api().Model):
        flag = "--bidirectional" if layers is None else f"--layers {layers}"
        raise UsageError(
            f"{flag}: '{cell.name}' is a model, whose layers are written in it: repeat a layer "
            "with `* K`, or write `bidirectional` after it (docs/language.md, \"Models\")"
        )
    _check_layers_symbol(cell, layers)
    from ..layers.stacking import CannotStack

    try:
        return cell.stacked(1 if layers is None else layers, bidirectional=bidirectional)
    except CannotStack as e:  # the flag does not apply to this cell: a usage error
        flag = "--bidirectional" if layers is None else f"--layers {layers}"
        raise UsageError(f"{flag}: {e.location.prefix()}: {e.message}") from None


def _kind(cell) -> str:
    """How messages name a cell, a stack of one, a block or a model: its kind."""
    return getattr(cell, "cell", cell).ir.kind


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


def _reports(cells, sizes: list[tuple[str, int | Swept]], summaries=None, strict: bool = False):
    """A report per cell, of its summary (or of `summaries`, one a cell: with their
    costs) at the sizes `--set` gives it: its size symbols and the free extents
    its cost is written in; in a sweep, each with the values swept (checked by
    `_check_sweep`, whose warnings `strict` makes errors)."""
    from ..render import Report

    summaries = summaries or [cell.summary for cell in cells]
    settings = {name: value for name, value in sizes if not isinstance(value, Swept)}
    swept = {name: tuple(value.values) for name, value in sizes if isinstance(value, Swept)}
    names = [[*map(str, summary.dims), *summary.extents] for summary in summaries]
    known = {name for each in names for name in each}
    unknown = [name for name, _ in sizes if name not in known]
    if unknown:
        raise UsageError(
            f"--set {unknown[0]}: no selected cell has a size symbol '{unknown[0]}' "
            f"(they have: {', '.join(sorted(known))})"
        )
    reports = [
        Report(summary, {name: settings[name] for name in each if name in settings}, swept)
        for summary, each in zip(summaries, names, strict=True)
    ]
    for cell, report in zip(cells, reports, strict=True):
        dims = {str(d): report.sizes.get(str(d)) for d in cell.dims}
        if None in dims.values():
            continue  # no value to check: a cell gets one only when all its sizes are set
        try:  # a derived size (`size d = e / H`) must be whole, every size positive
            cell.size_values(dims)
        except ValueError as e:
            raise UsageError(f"--set: in {_kind(cell)} '{cell.name}', {e}") from None
    if swept:
        _check_sweep(reports, sizes, strict)
    return reports


def _check_sweep(reports, sizes: list[tuple[str, int | Swept]], strict: bool) -> None:
    """A sweep of at most MAX_ROWS rows; a warning for each cell left out at some
    of its points (a derived size that is no size there), an error under
    --strict or when a cell is left out at every point (docs/cli.md, "Sweeps")."""
    from ..render import MAX_ROWS, sweep

    points = sweep.size(reports[0].swept)
    if len(reports) * points > MAX_ROWS:
        shown = " ".join(f"--set {name}={value}" for name, value in sizes if isinstance(value, Swept))
        raise UsageError(
            f"{shown}: {len(reports):,} cells × {points:,} sizes are {len(reports) * points:,} rows; "
            f"a sweep has at most {MAX_ROWS:,}"
        )
    for report in reports:
        error = sweep.nothing_left(report)
        if error is not None:
            raise error
    notes = [note for report in reports for note in sweep.skipped_notes(report)]
    for note in notes:
        print(note.render("error" if strict else "warning"), file=sys.stderr)
    if strict and notes:
        raise Reported()


# How a cost is priced unless the flags say otherwise (cli.main, `_add_cost`).
PRICING = {"convention": "symcount", "dtype": "fp32", "seq": 1, "batch": 1}


def _costed(cells, args) -> list:
    """Each cell's summary with its cost, priced as the cost flags ask."""
    from dataclasses import replace

    return [
        replace(cell.summary, cost=cell.cost(args.convention, args.dtype).over(args.seq, args.batch))
        for cell in cells
    ]


def _check_pricing(args) -> None:
    """`--convention` and `--dtype` name one of costing's (their tables load sympy,
    so the parser does not check them: cli.main, `_add_cost`)."""
    from ..costing import CONVENTIONS, DTYPES

    for what, given, table in (("convention", args.convention, CONVENTIONS), ("dtype", args.dtype, DTYPES)):
        if given not in table:
            raise UsageError(f"unknown {what} {given!r}; choose from {', '.join(table)}")


def cmd_count(args) -> int:
    from ..render import render

    reports = _reports(_load(args), args.sizes, strict=args.strict)
    sys.stdout.write(render(args.format, reports))
    return 0


def cmd_cost(args) -> int:
    from ..render import render

    _check_pricing(args)
    cells = _load(args)
    sys.stdout.write(render(args.format, _reports(cells, args.sizes, _costed(cells, args), args.strict)))
    return 0


def cmd_solve(args) -> int:
    from dataclasses import replace

    from ..render import Report, render

    _check_solving(args)
    cells = _load(args)
    budget, matched = (args.budget, None) if args.match is None else _matched(args)
    given = dict(args.sizes)
    names = {cell.name: cell.metric_sizes(args.metric, args.convention, args.dtype) for cell in cells}
    known = sorted({name for each in names.values() for name in each})
    unknown = next((name for name in given if name not in known), None)
    if unknown is not None:
        raise UsageError(f"--set {unknown}: no selected cell has a size symbol '{unknown}' (they have: {', '.join(known)})")
    reports = []
    for cell in cells:
        sizes, solved = _solved(cell, names[cell.name], given, budget, args)
        reports.append(Report(cell.summary, sizes, solved=replace(solved, matched=matched)))
    sys.stdout.write(render(args.format, reports))
    return 0


def _check_solving(args) -> None:
    """What `solve` is asked before any cell is read: a metric it knows, priced by a
    convention or dtype only where they price it, and a budget from --budget or
    from --match with --at."""
    from ..counting.solving import check_metric

    _check_pricing(args)
    try:
        check_metric(args.metric, args.convention, args.dtype)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if args.for_ in dict(args.sizes):
        raise UsageError(f"--set {args.for_}: the size solved for (--for) cannot also be set")
    if args.at is not None and args.match is None:
        raise UsageError("--at gives the sizes of the cell --match names; add --match CELL")
    if args.match is not None and args.at is None:
        raise UsageError(f"--match {args.match}: give its sizes with --at SYM=INT,... (every size of the cell)")


def _matched(args):
    """The budget --match gives: the metric of its cell (used as the other cells are)
    at the sizes --at gives, and where it came from."""
    from dataclasses import replace

    from ..counting.solving import Matched
    from ..render import Report

    found = [_network(cell, args) for cell in _api().read_source(args.match)]
    _warn(found, args.strict)
    if len(found) > 1:
        names = ", ".join(cell.name for cell in found)
        raise UsageError(f"--match {args.match}: it holds {len(found)} cells ({names}); name a source of one cell")
    [cell] = found
    at = dict(args.at)
    names = cell.metric_sizes(args.metric, args.convention, args.dtype)
    if sorted(at) != sorted(names):
        raise UsageError(f"--at: {_kind(cell)} '{cell.name}' takes the sizes {', '.join(names)}, got {', '.join(at)}")
    params = args.metric == "params"
    summary = cell.summary if params else replace(cell.summary, cost=cell.cost(args.convention, args.dtype))
    try:
        report = Report(summary, at)
        budget = report.value if params else report.cost_values[args.metric]
    except ValueError as e:
        raise UsageError(f"--at: in {_kind(cell)} '{cell.name}', {e}") from None
    if budget < 1:
        raise UsageError(f"--match {args.match}: its {args.metric} at {args.at} is {budget}, no budget")
    return budget, Matched(cell.name, cell.summary.note, {name: at[name] for name in names})


def _solved(cell, names: list[str], given: dict[str, int], budget: int, args):
    """The cell's other sizes, from --set, and what `solve` finds for it."""
    if args.for_ not in names:
        raise UsageError(
            f"--for {args.for_}: {_kind(cell)} '{cell.name}' has no size symbol '{args.for_}' (it has: {', '.join(names)})"
        )
    missing = next((name for name in names if name != args.for_ and name not in given), None)
    if missing is not None:
        raise UsageError(f"{_kind(cell)} '{cell.name}' needs a value for {missing}: add --set {missing}=INT")
    sizes = {name: given[name] for name in names if name != args.for_}
    try:
        return sizes, cell.solve(budget, args.for_, args.metric, args.dtype, args.convention, args.multiple_of, sizes)
    except ValueError as e:
        raise UsageError(f"--set: in {_kind(cell)} '{cell.name}', {e}") from None


def cmd_check(args) -> int:
    from ..render import Report
    from ..render.text import check

    sys.stdout.write(check([Report(cell.summary) for cell in _load(args)]))
    return 0


# The kinds of built-ins `list` shows, in order; the cells first, without a heading.
LISTED = {"cell": "", "block": "blocks:", "model": "models:"}


def cmd_list(args) -> int:
    """The built-ins: the cells, then under a heading the blocks and the models."""
    kinds: dict[str, list[tuple[str, str]]] = {kind: [] for kind in LISTED}
    for name in sources.builtin_names():
        dims, description = sources.builtin_summary(name)
        kinds[sources.builtin_kind(name)].append((f"{name}({dims})", description))
    width = max(len(signature) for rows in kinds.values() for signature, _ in rows)
    for kind, rows in kinds.items():
        if rows and LISTED[kind]:
            print(f"\n{LISTED[kind]}")
        for signature, description in rows:
            print(f"{signature.ljust(width)}  {description}".rstrip())
    return 0


def cmd_show(args) -> int:
    sys.stdout.write(sources.builtin_text(args.name))
    return 0


def cmd_fmt(args) -> int:
    if args.in_place and "-" in args.sources:
        raise UsageError("--in-place: standard input ('-') cannot be rewritten; name the file")
    read = [sources.read(spec) for spec in args.sources]
    if args.in_place:
        _check_rewritable(args.sources, [name for name, _ in read])
    # Every source is formatted before anything is written or shown: a syntax
    # error in one leaves every file as it was.
    formatted = [_api().format_text(text, filename=name) for name, text in read]
    if args.check:
        diffs = [_diff(name, text, new) for (name, text), new in zip(read, formatted, strict=True)]
        sys.stdout.write("".join(diffs))
        return 1 if any(diffs) else 0
    if not args.in_place:
        sys.stdout.write("\n".join(formatted))
        return 0
    from .atomic import write_atomically

    for spec, (_, text), new in zip(args.sources, read, formatted, strict=True):
        if new != text:
            # The file itself: /dev/stdin names a descriptor, which write_atomically
            # would append to; its real path is the file that was read.
            write_atomically(os.path.realpath(spec), new.encode("utf-8"))
    return 0


def _check_rewritable(specs: list[str], names: list[str]) -> None:
    """`fmt --in-place` rewrites files: not a built-in, nor a pipe or a device."""
    for spec, name in zip(specs, names, strict=True):
        if name.startswith(sources.BUILTIN_PREFIX):
            raise UsageError(
                f"--in-place: '{spec}' is a built-in cell, which cannot be rewritten; "
                f"`symcount show {sources.builtin_name(name)} > FILE` makes a copy to edit"
            )
        if not os.path.isfile(spec):
            raise UsageError(f"--in-place: '{spec}' is not a regular file")


def _diff(name: str, before: str, after: str) -> str:
    """A unified diff from `before` to `after` under `name` (`patch -p0` applies it)."""
    lines = difflib.unified_diff(_lines(before), _lines(after), name, name)
    # As diff(1) says it: difflib would run the next line on.
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
        for line in lines
    )


def _lines(text: str) -> list[str]:
    """Lines as the parser counts them (only "\\n" ends one), each with its end."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def cmd_latex(args) -> int:
    from ..render import render

    if args.cost:
        _check_pricing(args)
    else:
        given = [f"--{flag} {getattr(args, flag)}" for flag, value in PRICING.items() if getattr(args, flag) != value]
        if given:
            raise UsageError(f"{given[0]}: it prices the cost table; add --cost")
    cells = _load(args)
    reports = _reports(cells, args.sizes, _costed(cells, args) if args.cost else None, args.strict)
    from ..render.latex import NothingToShow

    try:
        text = render("latex", reports, **_settings(args, LATEX))
    except NothingToShow as e:  # `--only table` of one cell, `--only cost` without --cost
        raise UsageError(f"--only {args.only}: {e}") from None
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        from .atomic import write_atomically

        # surrogateescape: a file name given in bytes that are not UTF-8 is
        # written back as those bytes (as on standard output).
        write_atomically(args.output, text.encode("utf-8", errors="surrogateescape"))
    return 0


def _settings(args, declared: Settings) -> dict[str, object]:
    """A writer's settings as its flags give them (cli.main makes a flag of each)."""
    return {setting.name: getattr(args, setting.name) for setting in declared}


def cmd_plot(args) -> int:
    try:
        from ..render import plot

        plot.require()
    except ImportError:
        print("symcount plot needs matplotlib: pip install 'symcount[plot]'", file=sys.stderr)
        return 1
    fmt = plot.file_format(args.output)
    if fmt is None:
        *others, last = PLOT_FILES
        raise UsageError(
            f"-o {args.output}: the file name must end in {', '.join(others)} or {last}"
        )
    symbol, start, stop = args.vary
    if stop > plot.MAX_SIZE:
        raise UsageError(
            f"--vary {args.vary[0]}={args.vary[1]}:{args.vary[2]}: a plot takes sizes up to 2**53 = "
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
        unset = [str(d) for d in report.summary.dims if str(d) not in {symbol, *report.sizes}]
        if unset:
            raise UsageError(
                f"{report.summary.definition.kind} '{report.summary.name}' needs a value for {unset[0]}: add --set {unset[0]}=INT"
            )
    from .atomic import write_atomically

    # matplotlib's warnings (a layout it could not fit, say) as one line each,
    # not as Python prints them (file, line and source of matplotlib's code).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plot.SkippedSizes)  # every one, even under -W error
        try:
            figure = plot.figure(reports, symbol, start, stop, **_settings(args, PLOT))
        except plot.PlotError as e:
            raise UsageError(str(e)) from None
        # Sizes the plot skips are noted as the cells' warnings are, and --strict
        # makes them errors before anything is written.
        skipped = [w.message.warning for w in caught if isinstance(w.message, plot.SkippedSizes)]
        for note in skipped:
            print(note.render("error" if args.strict else "warning"), file=sys.stderr)
        if args.strict and skipped:
            raise Reported()
        write_atomically(args.output, lambda out: plot.save(figure, out, fmt))
    others = [w for w in caught if not isinstance(w.message, plot.SkippedSizes)]
    for message in dict.fromkeys(" ".join(str(w.message).split()) for w in others):
        print(f"symcount: warning: {message}", file=sys.stderr)
    return 0


def cmd_verify(args) -> int:
    from ..api import verify

    cells = _verify_cells(args, verify.LAYERS)
    try:
        checks = verify.run(
            cells, args.trials, args.layers, args.bidirectional, not args.no_bias, args.seed
        )
    except verify.FrameworkMissing as e:
        print(f"symcount: error: {e}", file=sys.stderr)
        return 1
    if args.format == "csv":
        from ..render.csv import verification

        sys.stdout.write(verification(checks))
    else:
        from ..render.text import verification

        sys.stdout.write(verification(checks, bias=not args.no_bias))
    return 0 if all(c.match for c in checks) else 1


def _verify_cells(args, layers: dict) -> list:
    """The cells to verify: the named sources, else every framework built-in."""
    from ..api import builtin, read_source
    from ..errors import Location

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
                f"{_kind(cell)} '{cell.name}' has no framework layer to compare with; "
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

