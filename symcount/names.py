"""Name resolution: what every name in a cell is, checked before any sizes.

Classifies names into size symbols, inputs, states, gates (intermediates) and
parameters (every other name), and enforces the SPEC's rules on them: each
name assigned once, defined before use, every state updated exactly once,
the left operand of `@` a parameter, no name both a size symbol and a
variable, only known functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import ir
from .errors import SymcountError, suggest

ErrorFactory = Callable[..., SymcountError]  # ir.Source.error: (message, span, *notes)

# Elementwise functions; each keeps the size of its argument.
FUNCTIONS = frozenset(
    {
        "sigmoid",
        "tanh",
        "relu",
        "softplus",
        "softsign",
        "exp",
        "log",
        "hard_sigmoid",
        "identity",
        "elu",
        "gelu",
        "silu",
        "swish",
        "sin",
        "cos",
        "abs",
    }
)


@dataclass
class Scope:
    """The resolved names of one cell."""

    cell: ir.Cell
    symbols: dict[str, ir.DimSymbol] = field(default_factory=dict)
    inputs: dict[str, ir.Input] = field(default_factory=dict)
    states: dict[str, ir.State] = field(default_factory=dict)
    declared: dict[str, ir.ParamDecl] = field(default_factory=dict)
    gates: dict[str, ir.Equation] = field(default_factory=dict)
    updates: dict[str, ir.Equation] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)  # in order of first use
    first_use: dict[str, tuple[str, ir.Span]] = field(default_factory=dict)  # param → gate, where
    output: str | None = None
    warnings: list = field(default_factory=list)  # SymcountWarnings, from `lint`

    def kind(self, name: str) -> str:
        for kind, table in (
            ("input", self.inputs),
            ("state", self.states),
            ("gate", self.gates),
            ("size symbol", self.symbols),
        ):
            if name in table:
                return kind
        return "parameter"


def resolve(cell: ir.Cell) -> Scope:
    scope = Scope(cell)
    err = cell.source.error
    _header(cell, scope, err)
    _declarations(cell, scope, err)
    _equations(cell, scope, err)
    _completeness(cell, scope, err)
    _latex_overrides(cell, scope, err)
    return scope


def _header(cell: ir.Cell, scope: Scope, err: ErrorFactory) -> None:
    for sym in cell.dims:
        if sym.name in scope.symbols:
            first = scope.symbols[sym.name]
            raise err(
                f"size symbol '{sym.name}' is listed twice", sym.span, ("first here", first.span)
            )
        scope.symbols[sym.name] = sym


def _declarations(cell: ir.Cell, scope: Scope, err: ErrorFactory) -> None:
    seen: dict[str, ir.Span] = {}
    outputs: list[ir.Output] = []
    for decl in cell.declarations:
        if isinstance(decl, ir.Output):
            outputs.append(decl)
            continue
        name = decl.name
        if name in scope.symbols:
            raise err(
                f"'{name}' is both a size symbol and a variable",
                decl.name_span,
                ("size symbol declared here", scope.symbols[name].span),
            )
        if name in seen:
            raise err(
                f"'{name}' is declared twice", decl.name_span, ("first declared here", seen[name])
            )
        if name in FUNCTIONS:
            raise err(f"'{name}' is a function name and cannot be declared", decl.name_span)
        seen[name] = decl.name_span
        dims = decl.dims if isinstance(decl, ir.ParamDecl) else (decl.dim,)
        for dim in dims:
            _check_dim(dim, scope, err)
        table = {ir.Input: scope.inputs, ir.State: scope.states, ir.ParamDecl: scope.declared}
        table[type(decl)][name] = decl
    if len(outputs) > 1:
        raise err(
            "more than one `output` declaration", outputs[1].span, ("first here", outputs[0].span)
        )
    if outputs:
        scope.output = outputs[0].name.rstrip("'")
    elif scope.states:
        scope.output = next(iter(scope.states))


def _check_dim(dim: ir.Dim, scope: Scope, err: ErrorFactory) -> None:
    stack = [dim]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.DimName) and node.name not in scope.symbols:
            listed = ", ".join(scope.symbols) or "none"
            raise err(
                f"unknown size symbol '{node.name}' (the cell's header lists: {listed})"
                + suggest(node.name, scope.symbols),
                node.span,
            )
        stack.extend(getattr(node, "terms", ()) or getattr(node, "factors", ()))


def _equations(cell: ir.Cell, scope: Scope, err: ErrorFactory) -> None:
    later = {}  # gate or update defined further down: for "used before defined"
    for eq in cell.equations:
        later.setdefault((eq.target, eq.is_state), eq)
    used: set[str] = set()
    for eq in cell.equations:
        _check_expr(eq, scope, err, later, used)
        _define(eq, scope, err)
    # A declared parameter nothing uses still exists (a framework allocates
    # it): counted, after the used ones; `lint` warns about it.
    scope.params.extend(name for name in scope.declared if name not in used)


def _define(eq: ir.Equation, scope: Scope, err: ErrorFactory) -> None:
    name = eq.target
    if eq.is_state:
        if name not in scope.states:
            raise err(
                f"'{name}' is not a state, so it has no new value {name}' "
                f"(declare `state {name} : SIZE` or drop the prime)",
                eq.target_span,
            )
        if name in scope.updates:
            raise err(
                f"state '{name}' is updated twice",
                eq.target_span,
                ("first updated here", scope.updates[name].target_span),
            )
        scope.updates[name] = eq
        return
    if name in scope.states:
        raise err(f"'{name}' is a state: write {name}' = ... for its new value", eq.target_span)
    if name in scope.gates:
        raise err(
            f"'{name}' is assigned twice",
            eq.target_span,
            ("first assigned here", scope.gates[name].target_span),
        )
    other = {"input": scope.inputs, "parameter": scope.declared, "size symbol": scope.symbols}
    for kind, table in other.items():
        if name in table:
            decl = table[name]
            raise err(
                f"cannot assign to {kind} '{name}'", eq.target_span, ("declared here", decl.span)
            )
    if name in FUNCTIONS:
        raise err(f"'{name}' is a function name and cannot be assigned", eq.target_span)
    scope.gates[name] = eq


def _check_expr(eq: ir.Equation, scope: Scope, err: ErrorFactory, later: dict, used: set[str]) -> None:
    for node in ir.walk(eq.expr):
        if isinstance(node, ir.Name):
            _check_name(node, eq, scope, err, later)
            if scope.kind(node.name) == "parameter" and node.name not in used:
                # `used` is a set: asking the ordered list instead made this
                # quadratic in the number of parameters.
                used.add(node.name)
                scope.params.append(node.name)
                gate = f"{eq.target}'" if eq.is_state else eq.target
                scope.first_use[node.name] = (gate, node.span)
        elif isinstance(node, ir.NewName):
            _check_new_name(node, eq, scope, err, later)
        elif isinstance(node, ir.Call):
            _check_call(node, scope, err)
        elif isinstance(node, ir.MatMul):
            _check_matrix(node, scope, err)


def _check_name(node: ir.Name, eq: ir.Equation, scope: Scope, err: ErrorFactory, later: dict) -> None:
    name = node.name
    if name in scope.symbols:
        raise err(
            f"'{name}' is a size symbol, not a variable",
            node.span,
            ("size symbol declared here", scope.symbols[name].span),
        )
    if name in FUNCTIONS:
        raise err(f"'{name}' is a function; call it as {name}(...)", node.span)
    if name in scope.inputs or name in scope.states or name in scope.gates:
        return
    if (name, False) in later:
        target = later[(name, False)]
        raise err(
            f"'{name}' is used before it is defined",
            node.span,
            (f"'{name}' is defined here", target.target_span),
        )


def _check_new_name(node: ir.NewName, eq: ir.Equation, scope: Scope, err: ErrorFactory, later) -> None:
    name = node.name
    if name not in scope.states:
        raise err(f"'{name}' is not a state, so {name}' means nothing", node.span)
    if name not in scope.updates:
        notes = ()
        if (name, True) in later:
            notes = ((f"{name}' is defined here", later[(name, True)].target_span),)
        raise err(f"{name}' is used before it is defined", node.span, *notes)


def _check_call(node: ir.Call, scope: Scope, err: ErrorFactory) -> None:
    if node.func not in FUNCTIONS:
        raise err(
            f"unknown function '{node.func}'" + suggest(node.func, FUNCTIONS),
            node.func_span,
        )
    if len(node.args) != 1:
        raise err(f"{node.func}() takes exactly one argument, got {len(node.args)}", node.span)


def _check_matrix(node: ir.MatMul, scope: Scope, err: ErrorFactory) -> None:
    left = node.matrix
    if isinstance(left, ir.Name):
        kind = scope.kind(left.name)
        if kind == "parameter":
            return
        what = f"{kind} '{left.name}'"
    elif isinstance(left, ir.NewName):
        what = f"state value {left.name}'"
    elif isinstance(left, ir.Neg):
        raise err(
            "the left operand of @ must be a parameter; unary minus binds tighter than @, "
            "so write -(W @ x)",
            left.span,
        )
    else:
        what = "an expression"
    raise err(f"the left operand of @ must be a parameter (a weight), not {what}", left.span)


def _completeness(cell: ir.Cell, scope: Scope, err: ErrorFactory) -> None:
    for name, state in scope.states.items():
        if name not in scope.updates:
            raise err(
                f"state '{name}' is never updated (add an equation {name}' = ...)", state.name_span
            )
    if not cell.equations:  # with states, the message above is the more useful one
        raise err(
            f"cell '{cell.name}' has no equations (a cell computes at least one value)",
            cell.name_span,
        )
    output = next((d for d in cell.declarations if isinstance(d, ir.Output)), None)
    if output is not None and scope.output not in scope.states and scope.output not in scope.gates:
        raise err(
            f"output '{scope.output}' is not a state or an intermediate of this cell"
            + suggest(scope.output, list(scope.states) + list(scope.gates)),
            output.span,
        )


def _latex_overrides(cell: ir.Cell, scope: Scope, err: ErrorFactory) -> None:
    """`latex NAME "TEXT"`: a name of this cell, once, with LaTeX that is safe to paste."""
    seen: dict[str, ir.LatexOverride] = {}
    for override in cell.latex_overrides:
        _check_override_name(override, scope, err)
        if override.name in seen:
            raise err(
                f"'{override.name}' has two LaTeX overrides",
                override.name_span,
                ("first here", seen[override.name].name_span),
            )
        seen[override.name] = override
        problem = latex_problem(override.text)
        if problem is not None:
            offset, message = problem
            # The text is verbatim, so its characters sit one column after the quote.
            span = override.text_span
            column = span.column + 1 + offset
            where = ir.Span(span.line, column, span.line, column + 1)
            raise err(f"LaTeX override for '{override.name}': {message}", where)


def _check_override_name(override: ir.LatexOverride, scope: Scope, err: ErrorFactory) -> None:
    name = override.name
    if name.endswith("'"):
        raise err(
            f"an override is for the name itself: write `latex {name[:-1]} ...` "
            f"(the new value {name} then prints as the override with the time step t)",
            override.name_span,
        )
    if name in scope.symbols:
        raise err(
            f"'{name}' is a size symbol; a LaTeX override is for an input, state, gate "
            "or parameter (size symbols print as sympy writes them)",
            override.name_span,
        )
    named = {*scope.inputs, *scope.states, *scope.gates, *scope.params, *scope.declared}
    if name not in named:
        what = "a function" if name in FUNCTIONS else f"not a name of cell '{scope.cell.name}'"
        raise err(
            f"'{name}' is {what}; a LaTeX override is for an input, state, gate or parameter"
            + suggest(name, named),
            override.name_span,
        )


# Control sequences that would end math mode, the equation, the table row or
# the document, or change how LaTeX reads everything after them: a deny list,
# since any other command is the user's LaTeX (an unknown one fails loudly).
_LATEX_DENIED = {
    "it would leave math mode": r"\( \) \[ \] \intertext \shortintertext",
    "it would end the equation or the table row": (
        r"\\ \cr \crcr \tabularnewline \newline \noalign \omit \span"
    ),
    "it would open or close an environment": r"\begin \end",
    "it would end the paragraph": r"\par",
    "it would unbalance LaTeX's groups": r"\bgroup \egroup \begingroup \endgroup",
    "it would skip part of the document": (
        r"\if \ifcat \ifnum \ifdim \ifodd \ifvmode \ifhmode \ifmmode \ifinner \ifvoid"
        r" \ifhbox \ifvbox \ifx \ifeof \iftrue \iffalse \ifcase \ifdefined \ifcsname"
        r" \iffontchar \unless \fi \else \or \newif"
    ),
    "it would change how LaTeX reads the document": (
        r"\def \edef \gdef \xdef \let \futurelet \global \chardef \mathchardef"
        r" \catcode \csname \endcsname \newcommand \renewcommand \providecommand"
        r" \everymath \everydisplay \everycr \everypar \makeatletter"
    ),
    "it would read or write files": (
        r"\input \include \endinput \openin \read \write \openout \immediate \special"
    ),
}
_LATEX_COMMANDS = {
    command: why for why, commands in _LATEX_DENIED.items() for command in commands.split()
}
_LATEX_COMMANDS['\\"'] = "a double quote cannot be written inside the quotes"

_LATEX_CHARACTERS = {
    "$": "'$' would leave math mode",
    "%": "'%' would comment out the rest of the line (write \\% for a percent sign)",
    "&": "'&' would split the equation or the table cell (write \\& for an ampersand)",
    "#": "'#' is LaTeX's macro parameter (write \\# for a hash sign)",
}


def latex_problem(text: str) -> tuple[int, str] | None:
    r"""What makes `text` unsafe as a name's LaTeX, and where (an offset), or None.

    The text goes into math mode verbatim, in `align` rows and table cells:
    it must keep its braces balanced and must not end math mode, the row or
    the document, or change how LaTeX reads the rest of the file.

    >>> latex_problem(r"W_{\xi}") is None, latex_problem("W_{x"), latex_problem("a$b")
    (True, (2, "'{' is never closed"), (1, "'$' would leave math mode"))
    """
    if not text.strip():
        return 0, "the LaTeX is empty"
    opened: list[int] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            end = index + 1
            while end < len(text) and text[end].isascii() and text[end].isalpha():
                end += 1
            end = max(end, min(index + 2, len(text)))  # `\{`, `\,`: one character
            command = text[index:end]
            if command == "\\":  # a backslash at the very end would escape what follows
                return index, "a backslash must start a command"
            if command in _LATEX_COMMANDS:
                return index, f"{command} is not allowed: {_LATEX_COMMANDS[command]}"
            if not command[-1:].isascii() or not command[-1:].isprintable():
                return index + 1, _unprintable(command[-1])
            index = end
            continue
        if char in _LATEX_CHARACTERS:
            return index, _LATEX_CHARACTERS[char]
        if not (char.isascii() and (char.isprintable() or char == "\t")):
            return index, _unprintable(char)
        if char == "{":
            opened.append(index)
        elif char == "}":
            if not opened:
                return index, "unmatched '}'"
            opened.pop()
        index += 1
    if opened:
        return opened[-1], "'{' is never closed"
    return None


def _unprintable(char: str) -> str:
    if char.isascii():
        return f"control character {char!r}"
    return f"{char!r} is not ASCII; pdflatex cannot set it (write its command, such as \\xi)"

