"""Name resolution: what every name in a cell is, checked before any sizes.

Classifies names into size symbols, inputs, states, gates (intermediates) and
parameters (every other name), and enforces the language's rules on them (docs/language.md, "Equations"): each
name assigned once, defined before use, every state updated exactly once,
the left operand of `@` a parameter, no name both a size symbol and a
variable, only known functions.
"""

from __future__ import annotations

from .. import functions, ir, visit
from ..errors import suggest
from . import calls, overrides
from .scope import ErrorFactory, Scope

FUNCTIONS = functions.FUNCTIONS  # every built-in function name


def resolve(cell: ir.CellDef) -> Scope:
    scope = Scope(cell)
    err = cell.source.error
    _header(cell, scope, err)
    _declarations(cell, scope, err)
    _equations(cell, scope, err)
    _completeness(cell, scope, err)
    overrides.check(cell, scope, err)
    return scope


def _header(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    overrides.check_display(cell, err)
    for sym in cell.dims:
        if sym.name in scope.symbols:
            first = scope.symbols[sym.name]
            raise err(
                f"size symbol '{sym.name}' is listed twice", sym.span, ("first here", first.span)
            )
        scope.symbols[sym.name] = sym


def _declarations(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    seen: dict[str, ir.Span] = {}
    outputs: list[ir.Output] = []
    # Every `size`, for "used before it is defined" where one is used too early.
    written = {d.name: d for d in cell.declarations if isinstance(d, ir.SizeDecl)}
    for decl in cell.declarations:
        if isinstance(decl, ir.Output):
            outputs.append(decl)
            continue
        name = decl.name
        if name in scope.symbols:
            what = "declared again" if isinstance(decl, ir.SizeDecl) else "a variable"
            raise err(
                f"'{name}' is both a size symbol and {what}",
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
        if isinstance(decl, ir.SizeDecl):
            if decl.definition is not None:
                _check_dim(decl.definition, scope, err, definition=decl, written=written)
            scope.sizes[name] = decl
            continue
        if isinstance(decl, (ir.Input, ir.State)) and decl.kind not in ir.VALUE_KINDS:
            what = "input" if isinstance(decl, ir.Input) else "state"
            raise err(
                f"{what} '{name}' cannot be {decl.kind}: {decl.kind}(...) is a weight's shape, "
                "and a value's is a size, a tuple of sizes or scalar (write "
                f"`{what} {name} : {_value_shape(decl, cell.source)}`)",
                _shape_span(decl, cell.source),
            )
        for dim in decl.dims:
            _check_dim(dim, scope, err, written=written)
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


SIZE_FUNCTIONS = ("ceil", "floor")


def _value_shape(decl, source: ir.Document) -> str:
    """A weight's shape written as a value's: diag(n) → n, blockdiag(H, a, b) → H*b."""
    texts = [source.snippet(d.span) for d in decl.dims]
    if decl.kind == ir.Kind.BLOCKDIAG:
        return "*".join(t if t.isidentifier() or t.isdigit() else f"({t})" for t in (texts[0], texts[2]))
    return texts[0] if len(texts) == 1 else f"({', '.join(texts)})"


def _shape_span(decl, source: ir.Document) -> ir.Span:
    """Where a declaration's shape starts (`blockdiag` in `input x : blockdiag(...)`) to its end."""
    line = source.line(decl.name_span.end_line)
    column = decl.name_span.end_column
    while column <= len(line) and line[column - 1] in " \t:":
        column += 1
    if decl.span.end_line != decl.name_span.end_line:
        return ir.Span(decl.name_span.end_line, column, decl.name_span.end_line, len(line) + 1)
    return ir.Span(decl.span.end_line, column, decl.span.end_line, decl.span.end_column)


def _check_dim(
    dim: ir.Dim,
    scope: Scope,
    err: ErrorFactory,
    definition: ir.SizeDecl | None = None,
    written: dict[str, ir.SizeDecl] | None = None,
) -> None:
    """Every name in a size is a size symbol (or a `size` defined above it);
    division and ceil/floor only in a `size` definition (`definition`, the
    declaration being checked)."""
    check = _SizeCheck(scope, err, definition, written or {})
    stack = [dim]
    while stack:
        node = stack.pop()
        check.visit(node)
        stack.extend(ir.children(node))


class _SizeCheck(visit.Visitor):
    """The rules of a size, one node at a time (`_check_dim` walks the nodes)."""

    def __init__(self, scope: Scope, err: ErrorFactory, definition, written):
        self.scope, self.err = scope, err
        self.definition, self.written = definition, written

    def visit_DimName(self, node: ir.DimName) -> None:
        if node.name not in self.scope.symbols and node.name not in self.scope.sizes:
            _unknown_size(node, self.scope, self.err, self.definition, self.written)

    def visit_DimQuotient(self, node: ir.DimQuotient) -> None:
        self._in_definition(node)

    def visit_DimCall(self, node: ir.DimCall) -> None:
        self._in_definition(node)
        if node.func not in SIZE_FUNCTIONS:
            raise self.err(
                f"unknown size function '{node.func}' (a size may use ceil and floor, as in "
                "`size R = ceil(D / 16)`)" + suggest(node.func, SIZE_FUNCTIONS),
                node.func_span,
            )

    def _nothing(self, node: ir.Dim) -> None:
        """Nothing of its own: a sum's and a product's terms are walked in turn."""

    visit_DimInt = visit_DimSum = visit_DimProduct = _nothing

    def _in_definition(self, node: ir.DimQuotient | ir.DimCall) -> None:
        if self.definition is None:
            raise self.err(
                "division and ceil/floor may only define a size: write `size d = e / H` "
                "and use d",
                node.span,
            )


def _unknown_size(node: ir.DimName, scope: Scope, err: ErrorFactory, definition, written) -> None:
    name = node.name
    if definition is not None and name == definition.name:
        raise err(f"size '{name}' is defined in terms of itself", node.span)
    if name in written:
        raise err(
            f"size '{name}' is used before it is defined (move `size {name}` up)",
            node.span,
            (f"'{name}' is defined here", written[name].name_span),
        )
    listed = ", ".join([*scope.symbols, *scope.sizes]) or "none"
    raise err(
        f"unknown size symbol '{name}' (the cell's header lists: {listed})"
        + suggest(name, [*scope.symbols, *scope.sizes]),
        node.span,
    )


def _equations(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    calls.check_defs(cell, scope, err)
    later = {}  # gate or update defined further down: for "used before defined"
    for eq in scope.equations:
        later.setdefault((eq.target, eq.is_state), eq)
    used: set[str] = set()
    for eq in scope.equations:
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
    other = {
        "input": scope.inputs,
        "parameter": scope.declared,
        "size symbol": {**scope.symbols, **scope.sizes},
    }
    for kind, table in other.items():
        if name in table:
            decl = table[name]
            raise err(
                f"cannot assign to {kind} '{name}'", eq.target_span, ("declared here", decl.span)
            )
    if name in FUNCTIONS or name in scope.functions:
        raise err(f"'{name}' is a function name and cannot be assigned", eq.target_span)
    scope.gates[name] = eq


def _check_expr(eq: ir.Equation, scope: Scope, err: ErrorFactory, later: dict, used: set[str]) -> None:
    check = _ExprCheck(eq, scope, err, later, used)
    for node in ir.walk(eq.expr):
        check.visit(node)


class _ExprCheck(visit.Visitor):
    """The naming rules of an equation, one node at a time (`_check_expr` walks the nodes)."""

    def __init__(self, eq: ir.Equation, scope: Scope, err: ErrorFactory, later: dict, used: set[str]):
        self.eq, self.scope, self.err, self.later, self.used = eq, scope, err, later, used
        self.added: set[int] = set()  # the names that are terms of a sum met so far, by id

    def visit_Sum(self, node: ir.Sum) -> None:
        # A sum comes before its terms in the walk: its names are known added when met.
        self.added.update(id(term) for term in ir.summands(node) if isinstance(term, ir.Name))

    def visit_Name(self, node: ir.Name) -> None:
        scope, eq = self.scope, self.eq
        _check_name(node, eq, scope, self.err, self.later)
        decl = scope.declared.get(node.name)
        if decl is not None and decl.bias and id(node) not in self.added:
            _not_added(node, decl, self.err)
        if scope.kind(node.name) == "parameter" and node.name not in self.used:
            # `used` is a set: asking the ordered list instead made this
            # quadratic in the number of parameters.
            self.used.add(node.name)
            scope.params.append(node.name)
            gate = f"{eq.target}'" if eq.is_state else eq.target
            scope.first_use[node.name] = (gate, node.span)

    def visit_NewName(self, node: ir.NewName) -> None:
        _check_new_name(node, self.eq, self.scope, self.err, self.later)

    def visit_Call(self, node: ir.Call) -> None:
        calls.check_call(node, self.scope, self.err)

    def visit_Slice(self, node: ir.Slice) -> None:
        _check_dim(node.start, self.scope, self.err)
        _check_dim(node.stop, self.scope, self.err)

    def visit_MatMul(self, node: ir.MatMul) -> None:
        _check_matrix(node, self.scope, self.err)

    def _nothing(self, node: ir.Expr) -> None:
        """Nothing of its own: an operator's operands are walked in turn."""

    visit_Number = visit_Concat = visit_Neg = visit_Product = _nothing


def _not_added(node: ir.Name, decl: ir.ParamDecl, err: ErrorFactory) -> None:
    """A parameter declared `bias` used otherwise than added: `--no-bias` could not
    remove it and still leave the equations it is in (docs/language.md, "Without biases")."""
    raise err(
        f"'{node.name}' is declared `bias`, but here it is not added: a bias is only ever a "
        f"term of a sum (`W @ x + {node.name}`), which `--no-bias` removes; drop `bias` from "
        "its declaration if it is a weight",
        node.span,
        ("declared here", decl.span),
    )


def _check_name(node: ir.Name, eq: ir.Equation, scope: Scope, err: ErrorFactory, later: dict) -> None:
    name = node.name
    if name in scope.symbols or name in scope.sizes:
        return  # a size inside an expression is a constant (`k / sqrt(d)`)
    if name in FUNCTIONS or name in scope.functions:
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


def _check_matrix(node: ir.MatMul, scope: Scope, err: ErrorFactory) -> None:
    """The left of `@` is a weight, or a value of rank 2 or more (`C @ q`).

    Ranks of gates are known only once shapes are solved (`shapes` checks
    those); inputs and states say theirs here.
    """
    what = _LeftOfMatMul(scope, err).visit(node.matrix)
    if what is not None:
        raise err(f"the left operand of @ must be a parameter (a weight), not {what}", node.matrix.span)


class _LeftOfMatMul(visit.Visitor):
    """What the left operand of `@` is when it cannot be a matrix ("input 'x'"), else None."""

    def __init__(self, scope: Scope, err: ErrorFactory):
        self.scope, self.err = scope, err

    def visit_Name(self, left: ir.Name) -> str | None:
        kind = self.scope.kind(left.name)
        if kind == "parameter" or _declared_rank(left.name, self.scope) not in (0, 1):
            return None
        return f"{kind} '{left.name}'"

    def visit_NewName(self, left: ir.NewName) -> str | None:
        if _declared_rank(left.name, self.scope) not in (0, 1):
            return None
        return f"state value {left.name}'"

    def visit_Neg(self, left: ir.Neg) -> str | None:
        """`(-k) @ S` is a product of values like `k @ S`; `-W @ x` reads (-W) @ x,
        a negated weight, where -(W @ x) was meant (docs/language.md, "Products")."""
        operand = left.operand
        if not (isinstance(operand, ir.Name) and self.scope.kind(operand.name) == "parameter"):
            return self.visit(operand)
        raise self.err(
            "the left operand of @ must be a parameter; unary minus binds tighter than @, "
            "so write -(W @ x)",
            left.span,
        )

    def visit_ExprNode(self, left: ir.Expr) -> None:
        """Any other expression: `shapes` checks its rank."""
        return None


def _declared_rank(name: str, scope: Scope) -> int | None:
    decl = scope.inputs.get(name) or scope.states.get(name)
    return None if decl is None else len(decl.dims)


def _completeness(cell: ir.CellDef, scope: Scope, err: ErrorFactory) -> None:
    if cell.block and scope.states:
        state = next(iter(scope.states.values()))
        raise err(
            f"block '{cell.name}' declares state '{state.name}'; a block computes its output from "
            "its inputs alone (write a cell, `cell NAME(SIZES)`, for a recurrent component)",
            state.span,
        )
    for name, state in scope.states.items():
        if name not in scope.updates:
            raise err(
                f"state '{name}' is never updated (add an equation {name}' = ...)", state.name_span
            )
    if not cell.equations:  # with states, the message above is the more useful one
        raise err(
            f"{cell.kind} '{cell.name}' has no equations (a {cell.kind} computes at least one value)",
            cell.name_span,
        )
    output = next((d for d in cell.declarations if isinstance(d, ir.Output)), None)
    if output is not None and scope.output not in scope.states and scope.output not in scope.gates:
        raise err(
            f"output '{scope.output}' is not a state or an intermediate of this cell"
            + suggest(scope.output, list(scope.states) + list(scope.gates)),
            output.span,
        )


