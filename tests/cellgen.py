"""Random valid cells for the property tests, and the counts they must have.

`cells()` is a hypothesis strategy. It decides every size and every
parameter's shape itself and keeps them, so the expected count comes from
the generator, never from symcount. The cells use what the language has:
gates built from matrix products on inputs, states, earlier gates, new state
values and concatenations; biases and other elementwise weights; shared
(reused) parameters; declared `param`s of every kind; numbers and scalars
that broadcast; gates whose size is only fixed by a later equation.

Valid by construction: shape inference needs every size to be pinned by
something known (a declaration, an input, a state). Every expression below
comes back with `anchored` (its size is pinned) and `free` (the undeclared
parameters and gates whose size it would pin); when an anchored operand joins
the same elementwise class, all of `free` becomes known. Only known
parameters are reused, so the classes never need merging here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hypothesis import strategies as st

SYMBOLS = ("m", "n", "k")
FUNCTIONS = ("sigmoid", "tanh", "relu", "softplus", "softsign", "exp", "log", "identity")
NUMBERS = ("1", "2", "0.5", ".5", "1e-3", "3.", "10")
# Reserved at the start of a line, so not for gates; fine for anything else.
STATEMENT_KEYWORDS = frozenset({"cell", "end", "input", "state", "output", "param"})
KNOWN_FUNCTIONS = frozenset(
    FUNCTIONS + ("hard_sigmoid", "elu", "gelu", "silu", "swish", "sin", "cos", "abs")
)
MAX_DEPTH = 3

# A size is a polynomial in the size symbols: ((coefficient, (symbol, ...)), ...), sorted.
Size = tuple


def size_of(*terms: tuple[int, tuple[str, ...]]) -> Size:
    merged: dict[tuple[str, ...], int] = {}
    for coeff, names in terms:
        key = tuple(sorted(names))
        merged[key] = merged.get(key, 0) + coeff
    return tuple(sorted((c, names) for names, c in merged.items() if c))


def add_sizes(*sizes: Size) -> Size:
    return size_of(*(term for size in sizes for term in size))


def size_text(size: Size) -> str:
    parts = []
    for coeff, names in size:
        factors = ([str(coeff)] if coeff != 1 or not names else []) + list(names)
        parts.append("*".join(factors))
    return " + ".join(parts)


def size_value(size: Size, env: dict[str, int]) -> int:
    return sum(coeff * math.prod(env[name] for name in names) for coeff, names in size)


# ---- expressions: tuples, printed with every compound operand in parentheses ----


def expr_text(node: tuple, name) -> str:
    tag = node[0]
    if tag == "ref":
        return name(node[1])
    if tag == "new":
        return name(node[1]) + "'"
    if tag == "num":
        return node[1]
    if tag == "call":
        return f"{node[1]}({expr_text(node[2], name)})"
    if tag == "neg":
        return "-" + _operand(node[1], name)
    if tag == "mm":
        return f"{name(node[1])} @ {_operand(node[2], name)}"
    if tag == "cat":
        return "[" + ", ".join(expr_text(p, name) for p in node[1]) + "]"
    items, ops = node[1], node[2]
    text = _operand(items[0], name)
    for op, item in zip(ops, items[1:], strict=True):
        text += f" {op} {_operand(item, name)}"
    return text


def _operand(node: tuple, name) -> str:
    text = expr_text(node, name)
    return text if node[0] in ("ref", "new", "num", "call", "cat") else f"({text})"


def references(node: tuple) -> tuple[set[str], set[str]]:
    """(plain names, states whose new value is used) in an expression."""
    plain: set[str] = set()
    new: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        tag = item[0]
        if tag == "ref":
            plain.add(item[1])
        elif tag == "new":
            new.add(item[1])
        elif tag in ("call",):
            stack.append(item[2])
        elif tag == "neg":
            stack.append(item[1])
        elif tag == "mm":
            plain.add(item[1])
            stack.append(item[2])
        elif tag == "cat":
            stack.extend(item[1])
        elif tag in ("sum", "prod"):
            stack.extend(item[1])
    return plain, new


# ---- the generated cell ----


@dataclass
class GenParam:
    kind: str  # matrix, vector, diag or scalar
    shape: tuple[Size, ...]  # (rows, cols), (size,), (size,) or ()
    declared: bool

    def count(self, env: dict[str, int]) -> int:
        return math.prod(size_value(s, env) for s in self.shape)


@dataclass
class Equation:
    target: str
    is_state: bool
    expr: tuple


@dataclass
class GenCell:
    name: str
    description: str
    dims: tuple[str, ...]
    inputs: dict[str, Size] = field(default_factory=dict)
    states: dict[str, Size] = field(default_factory=dict)
    params: dict[str, GenParam] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    declaration_order: list[str] = field(default_factory=list)  # inputs, states, declared params
    output: str | None = None

    def count(self, env: dict[str, int]) -> int:
        """The number of parameters at concrete sizes, computed from what was generated."""
        return sum(p.count(env) for p in self.params.values())

    def variables(self) -> list[str]:
        gates = [eq.target for eq in self.equations if not eq.is_state]
        return [*self.inputs, *self.states, *gates, *self.params]

    def gates(self) -> set[str]:
        return {eq.target for eq in self.equations if not eq.is_state}

    def dependencies(self) -> list[set[int]]:
        """For each equation, the equations that must come before it."""
        defined = {(eq.target, eq.is_state): i for i, eq in enumerate(self.equations)}
        deps = []
        for eq in self.equations:
            plain, new = references(eq.expr)
            before = {defined[(n, False)] for n in plain if (n, False) in defined}
            before |= {defined[(s, True)] for s in new}
            deps.append(before)
        return deps

    def text(self, rename: dict[str, str] | None = None, order: list[int] | None = None) -> str:
        mapping = rename or {}

        def name(old: str) -> str:
            return mapping.get(old, old)

        lines = [f"cell {self.name}({', '.join(self.dims)}) {quote(self.description)}"]
        for item in self.declaration_order:
            if item in self.inputs:
                lines.append(f"  input {name(item)} : {size_text(self.inputs[item])}")
            elif item in self.states:
                lines.append(f"  state {name(item)} : {size_text(self.states[item])}")
            else:
                lines.append(f"  param {name(item)} : {shape_text(self.params[item])}")
        if self.output is not None:
            lines.append(f"  output {name(self.output)}")
        for index in order if order is not None else range(len(self.equations)):
            eq = self.equations[index]
            target = name(eq.target) + ("'" if eq.is_state else "")
            lines.append(f"  {target} = {expr_text(eq.expr, name)}")
        lines.append("end")
        return "\n".join(lines) + "\n"


def shape_text(param: GenParam) -> str:
    if param.kind == "matrix":
        return f"({size_text(param.shape[0])}, {size_text(param.shape[1])})"
    if param.kind == "diag":
        return f"diag({size_text(param.shape[0])})"
    if param.kind == "scalar":
        return "scalar"
    return size_text(param.shape[0])


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# ---- the builder: one drawn decision at a time ----


@dataclass
class Vec:
    """A vector an expression may use: input, state (either value) or gate."""

    node: tuple
    size: Size
    gate: str | None = None  # a gate whose size may still be pending


class _Builder:
    def __init__(self, draw, cell: GenCell, sizes: list[Size]):
        self.draw = draw
        self.cell = cell
        self.sizes = sizes
        self.pool: list[Vec] = []
        self.pending: dict[str, list] = {}  # gate → the free items it would pin
        self.known: set[str] = set()  # parameters whose shape is pinned
        self.counter = 0

    # -- helpers --

    def choose(self, options):
        return self.draw(st.sampled_from(options))

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def new_param(self, prefix: str, kind: str, shape: tuple, declared: bool) -> str:
        name = self.fresh(prefix)
        self.cell.params[name] = GenParam(kind, shape, declared)
        if declared:
            self.cell.declaration_order.append(name)
            self.known.add(name)
        return name

    def reusable(self, kind: str, shape: tuple) -> list[str]:
        return [
            name
            for name, p in self.cell.params.items()
            if p.kind == kind and p.shape == shape and name in self.known
        ]

    def anchored_vecs(self, size: Size | None = None) -> list[Vec]:
        return [
            v
            for v in self.pool
            if (size is None or v.size == size) and (v.gate is None or v.gate not in self.pending)
        ]

    def resolve(self, free: list) -> None:
        """An elementwise class got pinned: everything in it is known now."""
        stack = list(free)
        while stack:
            kind, name = stack.pop()
            if kind == "param":
                self.known.add(name)
            elif name in self.pending:
                stack.extend(self.pending.pop(name))

    def anchor(self, node, anchored: bool, free: list, size: Size) -> tuple:
        """`node` with its size pinned, adding a known operand if it needs one."""
        if not anchored:
            known = self.anchored_vecs(size)
            if known and self.draw(st.booleans()):
                other = self.choose(known).node
            else:
                other = ("ref", self.new_param("a", "vector", (size,), declared=True))
            node = ("sum", [node, other], ["+"])
        self.resolve(free)
        return node

    # -- expressions --

    def vector(self, size: Size, depth: int) -> tuple[tuple, bool, list]:
        """An expression of `size`: (node, anchored, free items)."""
        options = ["weight"]
        if any(v.size == size for v in self.pool):
            options += ["ref", "ref"]
        if depth < MAX_DEPTH:
            options += ["matmul", "matmul", "diag", "call", "neg", "sum", "product"]
        if depth == 0:  # an equation is rarely a lone name
            options = ["matmul", "call", "sum", "sum", "product"]
        return getattr(self, "_" + self.choose(options))(size, depth)

    def _ref(self, size, depth):
        vec = self.choose([v for v in self.pool if v.size == size])
        if vec.gate is not None and vec.gate in self.pending:
            return vec.node, False, [("gate", vec.gate)]
        return vec.node, True, []

    def _weight(self, size, depth):
        reuse = self.reusable("vector", (size,))
        how = self.choose(["fresh", "declared"] + (["reuse"] if reuse else []))
        if how == "reuse":
            return ("ref", self.choose(reuse)), True, []
        name = self.new_param("b", "vector", (size,), declared=how == "declared")
        return ("ref", name), how == "declared", [] if how == "declared" else [("param", name)]

    def _matmul(self, size, depth):
        operand, cols = self.any_vector(depth + 1)
        reuse = self.reusable("matrix", (size, cols))
        how = self.choose(["fresh", "fresh", "declared"] + (["reuse"] if reuse else []))
        if how == "reuse":
            return ("mm", self.choose(reuse), operand), True, []
        name = self.new_param("W", "matrix", (size, cols), declared=how == "declared")
        free = [] if how == "declared" else [("param", name)]
        return ("mm", name, operand), how == "declared", free

    def _diag(self, size, depth):
        reuse = self.reusable("diag", (size,))
        if reuse and self.draw(st.booleans()):
            name = self.choose(reuse)
        else:
            name = self.new_param("D", "diag", (size,), declared=True)
        node, _, free = self.vector(size, depth + 1)
        self.resolve(free)  # the declared diagonal pins its operand
        return ("mm", name, node), True, []

    def _call(self, size, depth):
        node, anchored, free = self.vector(size, depth + 1)
        return ("call", self.choose(FUNCTIONS), node), anchored, free

    def _neg(self, size, depth):
        node, anchored, free = self.vector(size, depth + 1)
        return ("neg", node), anchored, free

    def _sum(self, size, depth):
        return self._elementwise(size, depth, ("+", "-"), "sum")

    def _product(self, size, depth):
        return self._elementwise(size, depth, ("*", "/"), "prod")

    def _elementwise(self, size, depth, ops, tag):
        items, anchored, free = [], False, []
        for _ in range(self.draw(st.integers(2, 3))):
            node, pinned, more = self.vector(size, depth + 1)
            items.append(node)
            anchored, free = anchored or pinned, free + more
        if self.draw(st.booleans()):  # a broadcasting scalar somewhere in the list
            items.insert(self.draw(st.integers(0, len(items))), self.scalar())
        chosen = [self.choose(ops) for _ in items[1:]]
        if anchored:
            self.resolve(free)
            free = []
        return (tag, items, chosen), anchored, free

    def scalar(self) -> tuple:
        reuse = self.reusable("scalar", ())
        how = self.choose(["number", "declared"] + (["reuse"] if reuse else []))
        if how == "number":
            return ("num", self.choose(NUMBERS))
        if how == "reuse":
            return ("ref", self.choose(reuse))
        return ("ref", self.new_param("s", "scalar", (), declared=True))

    def any_vector(self, depth: int) -> tuple[tuple, Size]:
        """An expression of whatever size, already pinned: an operand of `@`."""
        options = ["ref", "ref"]
        if depth < MAX_DEPTH:
            options += ["concat", "expression"]
        how = self.choose(options)
        if how == "ref":
            vec = self.choose(self.anchored_vecs())
            return vec.node, vec.size
        if how == "concat":
            parts = [self.any_vector(depth + 1) for _ in range(self.draw(st.integers(2, 3)))]
            return ("cat", [p[0] for p in parts]), add_sizes(*(p[1] for p in parts))
        size = self.choose(self.sizes)
        node, anchored, free = self.vector(size, depth)
        return self.anchor(node, anchored, free, size), size

    # -- equations --

    def gate(self, states_to_come: list[str]) -> None:
        size = self.choose(self.sizes)
        node, anchored, free = self.vector(size, 0)
        name = self.fresh("g")
        pending_ok = any(self.cell.states[s] == size for s in states_to_come)
        if not anchored and pending_ok and self.draw(st.booleans()):
            self.pending[name] = free  # a later state update pins it
        else:
            node = self.anchor(node, anchored, free, size)
        self.cell.equations.append(Equation(name, False, node))
        self.pool.append(Vec(("ref", name), size, gate=name))

    def update(self, state: str) -> None:
        size = self.cell.states[state]
        node, _, free = self.vector(size, 0)
        waiting = [g for g in self.pending if self.pool_size(g) == size]
        if waiting:
            node = ("sum", [node, *(("ref", g) for g in waiting)], ["+"] * len(waiting))
        self.resolve(free + [("gate", g) for g in waiting])  # the state pins the class
        self.cell.equations.append(Equation(state, True, node))
        self.pool.append(Vec(("new", state), size))

    def pool_size(self, gate: str) -> Size:
        return next(v.size for v in self.pool if v.gate == gate)


@st.composite
def cells(draw) -> GenCell:
    """A random valid cell (see the module docstring)."""
    dims = tuple(sorted(draw(st.sets(st.sampled_from(SYMBOLS), min_size=1, max_size=3))))
    basic = [size_of((1, (d,))) for d in dims]
    extra = [size_of((2, (dims[0],)))]
    if len(dims) > 1:
        extra += [size_of((1, (dims[0],)), (1, (dims[1],))), size_of((1, dims[:2]))]
    sizes = basic + draw(st.lists(st.sampled_from(extra), max_size=2, unique=True))
    description = draw(
        st.sampled_from(["", "a cell", 'with "quotes"', "back\\slash", "two\nlines"])
    )
    cell = GenCell(
        name=draw(st.sampled_from(["c", "rnn.x", "cell_1"])), description=description, dims=dims
    )
    for i in range(draw(st.integers(1, 2))):
        cell.inputs[f"x{i}"] = draw(st.sampled_from(sizes))
    for i in range(draw(st.integers(1, 2))):
        cell.states[f"h{i}"] = draw(st.sampled_from(sizes))
    cell.declaration_order = [*cell.inputs, *cell.states]
    builder = _Builder(draw, cell, sizes)
    builder.pool = [Vec(("ref", x), s) for x, s in cell.inputs.items()]
    builder.pool += [Vec(("ref", h), s) for h, s in cell.states.items()]
    steps = ["gate"] * draw(st.integers(0, 6)) + list(cell.states)
    steps = draw(st.permutations(steps))
    for i, step in enumerate(steps):
        if step == "gate":
            builder.gate([s for s in steps[i + 1 :] if s != "gate"])
        else:
            builder.update(step)
    assert not builder.pending, "every pending gate is pinned by a state update"
    cell.declaration_order = draw(st.permutations(cell.declaration_order))
    if draw(st.booleans()):
        cell.output = draw(st.sampled_from([*cell.states, *sorted(cell.gates())]))
    return cell


# ---- variations of a generated cell ----


def identifiers(avoid: frozenset[str] | set[str] = frozenset()) -> st.SearchStrategy[str]:
    return st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
        lambda s: s not in KNOWN_FUNCTIONS and s not in SYMBOLS and s not in avoid
    )


def distinct_identifiers(count: int, avoid=frozenset()) -> st.SearchStrategy[list[str]]:
    return st.lists(identifiers(avoid), min_size=count, max_size=count, unique=True)


@st.composite
def renamings(draw, cell: GenCell) -> dict[str, str]:
    """A one-to-one renaming of every input, state, gate and parameter."""
    gates = [eq.target for eq in cell.equations if not eq.is_state]
    others = [name for name in cell.variables() if name not in set(gates)]
    # Reserved words may not start a gate's line; a state or a parameter may
    # well be called `input` or `end`.
    gate_names = draw(distinct_identifiers(len(gates), avoid=STATEMENT_KEYWORDS))
    other_names = draw(distinct_identifiers(len(others), avoid=set(gate_names)))
    return dict(zip(gates + others, gate_names + other_names, strict=True))


@st.composite
def orders(draw, cell: GenCell) -> list[int]:
    """Another order of the equations that keeps every one after what it uses."""
    deps = cell.dependencies()
    done: list[int] = []
    while len(done) < len(deps):
        ready = [i for i in range(len(deps)) if i not in done and deps[i] <= set(done)]
        done.append(draw(st.sampled_from(ready)))
    return done
