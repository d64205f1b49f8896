"""Random valid cells for the property tests, and the counts they must have.

`cells()` is a hypothesis strategy. It decides every size and every
parameter's shape itself and keeps them, so the expected count comes from
the generator, never from symcount. The cells use what the language has:
gates built from matrix products on inputs, states, earlier gates, new state
values and concatenations; biases and other elementwise weights; shared
(reused) parameters; declared `param`s of every kind; numbers and scalars
that broadcast; gates whose size is only fixed by a later equation.

Half the cells also use the language v2 (`v2`): heads (`heads`, `flat`,
`sum`, products of per-head values, block-diagonal weights), per-head scalars
spread over a head, head-size gains shared over the heads, tensor states
(`state C : (H, q, q)` updated with `outer`), normalisations, `conv1d`
kernels (over a vector, or every entry of a per-head value), slices,
`max`/`min`, complex and quaternion weights, `size` declarations (abbreviations, `ceil` and an exact
division `size dq = e / H`) and the cell's own functions (`def`).

Valid by construction: shape inference needs every size to be pinned by
something known (a declaration, an input, a state). Every expression below
comes back with `anchored` (its size is pinned) and `free` (the undeclared
parameters and gates whose size it would pin); when an anchored operand joins
the same elementwise class, all of `free` becomes known. Only known
parameters are reused, so the classes never need merging here. Values of
rank 2 and 3 (a head's matrix, a tensor state) are always built anchored,
with the anchored value first: an undeclared parameter takes the whole shape
of the value beside it, so it must meet the value of highest rank first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hypothesis import strategies as st

from symcount import functions as builtin_functions

SYMBOLS = ("m", "n", "k")
# The header symbols of a cell whose head size is an exact division (`size dq = e / H`).
SPLIT_SYMBOLS = ("e", "H")
FUNCTIONS = ("sigmoid", "tanh", "relu", "softplus", "softsign", "exp", "log", "identity")
V2_FUNCTIONS = ("leaky_relu", "logsigmoid", "sqrt", "silu", "layernorm", "rmsnorm", "batchnorm")
NUMBERS = ("1", "2", "0.5", ".5", "1e-3", "3.", "10")
# Reserved at the start of a line, so not for gates; fine for anything else.
STATEMENT_KEYWORDS = frozenset({"cell", "end", "input", "state", "output", "param"})
KNOWN_FUNCTIONS = frozenset(builtin_functions.FUNCTIONS)
MAX_DEPTH = 3

# A size is a polynomial in the size symbols: ((coefficient, (symbol, ...)), ...), sorted.
Size = tuple


def size_of(*terms: tuple[int, tuple[str, ...]]) -> Size:
    merged: dict[tuple[str, ...], int] = {}
    for coeff, names in terms:
        key = tuple(sorted(names))
        merged[key] = merged.get(key, 0) + coeff
    return tuple(sorted((c, names) for names, c in merged.items() if c))


def symbol(name: str) -> Size:
    return size_of((1, (name,)))


def constant(value: int) -> Size:
    return size_of((value, ()))


def add_sizes(*sizes: Size) -> Size:
    return size_of(*(term for size in sizes for term in size))


def mul_sizes(a: Size, b: Size) -> Size:
    return size_of(*((c1 * c2, n1 + n2) for c1, n1 in a for c2, n2 in b))


def size_text(size: Size) -> str:
    if not size:
        return "0"
    parts = []
    for coeff, names in size:
        factors = ([str(coeff)] if coeff != 1 or not names else []) + list(names)
        parts.append("*".join(factors))
    return " + ".join(parts)


def size_value(size: Size, env: dict[str, int]) -> int:
    """The value of `size`; `env` has the derived sizes too (see GenCell.environment)."""
    return sum(coeff * math.prod(env[name] for name in names) for coeff, names in size)


# ---- expressions: tuples, printed with every compound operand in parentheses ----

# Nodes that read as one operand without parentheses (what `x[a:b]` may slice).
ATOMS = frozenset(
    "ref new num call call2 cat slice heads flat sumax outer gn conv1d def".split()
)


def expr_text(node: tuple, name, dim=size_text) -> str:
    """`node` as text; `name` maps variable names, `dim` writes a size."""
    tag = node[0]
    if tag == "ref":
        return name(node[1])
    if tag == "new":
        return name(node[1]) + "'"
    if tag == "num":
        return node[1]
    if tag == "call":
        return f"{node[1]}({expr_text(node[2], name, dim)})"
    if tag == "call2":
        return f"{node[1]}({expr_text(node[2], name, dim)}, {expr_text(node[3], name, dim)})"
    if tag == "neg":
        return "-" + _operand(node[1], name, dim)
    if tag == "mm":
        return f"{name(node[1])} @ {_operand(node[2], name, dim)}"
    if tag == "mmv":
        return f"{_operand(node[1], name, dim)} @ {_operand(node[2], name, dim)}"
    if tag == "cat":
        return "[" + ", ".join(expr_text(p, name, dim) for p in node[1]) + "]"
    if tag == "slice":
        return f"{_operand(node[1], name, dim)}[{dim(node[2])}:{dim(node[3])}]"
    if tag == "heads":
        return f"heads({expr_text(node[1], name, dim)}, {dim(node[2])})"
    if tag == "flat":
        return f"flat({expr_text(node[1], name, dim)})"
    if tag == "sumax":
        return f"sum({expr_text(node[1], name, dim)})"
    if tag == "outer":
        return f"outer({expr_text(node[1], name, dim)}, {expr_text(node[2], name, dim)})"
    if tag == "gn":
        return f"groupnorm({expr_text(node[1], name, dim)}, {dim(node[2])})"
    if tag == "conv1d":
        width = f", {dim(node[3])}" if node[3] is not None else ""
        return f"conv1d({name(node[1])}, {expr_text(node[2], name, dim)}{width})"
    if tag == "def":
        return f"{node[1]}(" + ", ".join(expr_text(a, name, dim) for a in node[2]) + ")"
    items, ops = node[1], node[2]
    text = _operand(items[0], name, dim)
    for op, item in zip(ops, items[1:], strict=True):
        text += f" {op} {_operand(item, name, dim)}"
    return text


def _operand(node: tuple, name, dim) -> str:
    text = expr_text(node, name, dim)
    return text if node[0] in ATOMS else f"({text})"


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
        elif tag in ("mm", "conv1d"):
            plain.add(item[1])
            stack.append(item[2])
        elif tag in ("cat", "sum", "prod", "def"):
            stack.extend(item[1] if tag != "def" else item[2])
        else:  # every other node: its tuple operands
            stack.extend(x for x in item[1:] if isinstance(x, tuple) and x and isinstance(x[0], str))
    return plain, new


# ---- the generated cell ----

FIELD_REALS = {"real": 1, "complex": 2, "quaternion": 4}
# What a framework's numel() counts per entry: a complex dtype's entry once,
# a quaternion's 4 real parts (no framework has a quaternion dtype).
FIELD_NUMEL = {"real": 1, "complex": 1, "quaternion": 4}


@dataclass
class GenParam:
    kind: str  # matrix, vector, diag, scalar, blockdiag or tensor
    shape: tuple[Size, ...]  # (rows, cols), (size,), (size,), (), (blocks, rows, cols), (...)
    declared: bool
    # how it is used: "weight" (@), "kernel" (conv1d), "elementwise", "bias", or "gain" (a
    # head-size weight on (heads, each), shared over the heads)
    role: str = "weight"
    field: str = "real"
    bias: bool = False  # declared `bias`: added to one matrix product, never reused

    def count(self, env: dict[str, int]) -> int:
        return FIELD_REALS[self.field] * math.prod(size_value(s, env) for s in self.shape)

    def numel(self, env: dict[str, int]) -> int:
        return FIELD_NUMEL[self.field] * math.prod(size_value(s, env) for s in self.shape)


@dataclass(frozen=True)
class Heads:
    """A way to split a vector into heads: `heads` of them, each of size `each`."""

    heads: Size
    each: Size

    @property
    def width(self) -> Size:
        return mul_sizes(self.heads, self.each)


@dataclass
class GenDef:
    """`def name(params) = body`: elementwise, every parameter used."""

    name: str
    params: tuple[str, ...]
    body: tuple


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
    tensor_states: dict[str, Heads] = field(default_factory=dict)  # (heads, each, each)
    params: dict[str, GenParam] = field(default_factory=dict)
    equations: list[Equation] = field(default_factory=list)
    declaration_order: list[str] = field(default_factory=list)  # inputs, states, declared params
    output: str | None = None
    # `size` declarations, in order: name → ("abbreviation", Size) | ("ceil", symbol, divisor)
    # | ("split", numerator symbol, heads symbol)
    size_decls: dict[str, tuple] = field(default_factory=dict)
    written: dict[Size, str] = field(default_factory=dict)  # sizes written by a name
    defs: list[GenDef] = field(default_factory=list)
    display: str | None = None  # `latex "..."` on the header line, verbatim

    def environment(self, env: dict[str, int]) -> dict[str, int]:
        """`env` (the header's sizes) with the values of the derived sizes."""
        out = dict(env)
        for name, decl in self.size_decls.items():
            if decl[0] == "ceil":
                out[name] = -(-out[decl[1]] // decl[2])
            elif decl[0] == "split":
                out[name] = out[decl[1]] // out[decl[2]]
        return out

    def count(self, env: dict[str, int]) -> int:
        """The number of parameters at concrete sizes, computed from what was generated."""
        full = self.environment(env)
        return sum(p.count(full) for p in self.params.values())

    def numel(self, env: dict[str, int]) -> int:
        """The count at concrete sizes as a framework's numel() gives it (a complex entry once)."""
        full = self.environment(env)
        return sum(p.numel(full) for p in self.params.values())

    def variables(self) -> list[str]:
        gates = [eq.target for eq in self.equations if not eq.is_state]
        return [*self.inputs, *self.states, *self.tensor_states, *gates, *self.params]

    def reserved(self) -> set[str]:
        """Names a renaming must not produce: sizes, functions and their parameters."""
        names = set(self.dims) | set(self.size_decls)
        for definition in self.defs:
            names.add(definition.name)
            names.update(definition.params)
        return names

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

    def dim(self, size: Size) -> str:
        return self.written.get(size) or size_text(size)

    def text(self, rename: dict[str, str] | None = None, order: list[int] | None = None) -> str:
        mapping = rename or {}

        def name(old: str) -> str:
            return mapping.get(old, old)

        lines = [f"cell {self.name}({', '.join(self.dims)}) {quote(self.description)}"]
        if self.display is not None:
            lines[0] += f' latex "{self.display}"'
        for size_name, decl in self.size_decls.items():
            if decl[0] == "abbreviation":
                lines.append(f"  size {size_name} = {size_text(decl[1])}")
            elif decl[0] == "ceil":
                lines.append(f"  size {size_name} = ceil({decl[1]} / {decl[2]})")
            else:
                lines.append(f"  size {size_name} = {decl[1]} / {decl[2]}")
        for definition in self.defs:
            params = ", ".join(definition.params)
            lines.append(f"  def {definition.name}({params}) = {expr_text(definition.body, name, self.dim)}")
        for item in self.declaration_order:
            if item in self.inputs:
                lines.append(f"  input {name(item)} : {self.dim(self.inputs[item])}")
            elif item in self.states:
                lines.append(f"  state {name(item)} : {self.dim(self.states[item])}")
            elif item in self.tensor_states:
                split = self.tensor_states[item]
                each = self.dim(split.each)
                lines.append(f"  state {name(item)} : ({self.dim(split.heads)}, {each}, {each})")
            else:
                marker = " bias" if self.params[item].bias else ""
                lines.append(f"  param {name(item)} : {shape_text(self.params[item], self.dim)}{marker}")
        if self.output is not None:
            lines.append(f"  output {name(self.output)}")
        for index in order if order is not None else range(len(self.equations)):
            eq = self.equations[index]
            target = name(eq.target) + ("'" if eq.is_state else "")
            lines.append(f"  {target} = {expr_text(eq.expr, name, self.dim)}")
        lines.append("end")
        return "\n".join(lines) + "\n"


def shape_text(param: GenParam, dim=size_text) -> str:
    if param.kind == "diag":
        return f"diag({dim(param.shape[0])})"
    if param.kind == "scalar":
        return "scalar"
    sizes = ", ".join(dim(s) for s in param.shape)
    if param.kind == "blockdiag":
        return f"blockdiag({sizes})"
    if param.field != "real":
        return f"{param.field}({sizes})"
    if param.kind in ("matrix", "tensor"):
        return f"({sizes})"
    return sizes


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
    def __init__(self, draw, cell: GenCell, sizes: list[Size], splits: list[Heads], v2: bool):
        self.draw = draw
        self.cell = cell
        self.sizes = sizes
        self.splits = splits  # ways to split a vector into heads (v2 only)
        self.v2 = v2
        self.widths = [s for s in sizes if len(s) == 1 and s[0][1]][:2] + [constant(3)]
        self.pool: list[Vec] = []
        self.matrices: list[tuple[tuple, Heads]] = []  # anchored values of shape (heads, each)
        self.tensors: list[tuple[tuple, Heads]] = []  # tensor states, old and new values
        self.pending: dict[str, list] = {}  # gate → the free items it would pin
        self.known: set[str] = set()  # parameters whose shape is pinned
        self.counter = 0

    # -- helpers --

    def choose(self, options):
        return self.draw(st.sampled_from(options))

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def new_param(
        self, prefix: str, kind: str, shape: tuple, declared: bool, role="weight", field="real", bias=False
    ) -> str:
        name = self.fresh(prefix)
        self.cell.params[name] = GenParam(kind, shape, declared, role, field, bias)
        if declared:
            self.cell.declaration_order.append(name)
            self.known.add(name)
        return name

    def reusable(self, kind: str, shape: tuple, role: str = "weight") -> list[str]:
        return [
            name
            for name, p in self.cell.params.items()
            if p.kind == kind and p.shape == shape and name in self.known and p.role == role
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

    def pinned(self, size: Size, depth: int) -> tuple:
        """An expression of `size` whose size is pinned."""
        node, anchored, free = self.vector(size, depth)
        return self.anchor(node, anchored, free, size)

    def splits_of(self, size: Size, of: str = "width") -> list[Heads]:
        return [s for s in self.splits if getattr(s, of) == size]

    # -- expressions --

    def vector(self, size: Size, depth: int) -> tuple[tuple, bool, list]:
        """An expression of `size`: (node, anchored, free items)."""
        options = ["weight"]
        if any(v.size == size for v in self.pool):
            options += ["ref", "ref"]
        if depth < MAX_DEPTH:
            options += ["matmul", "matmul", "diag", "call", "neg", "sum", "product"]
            if self.v2:
                options += self.v2_options(size)
        if depth == 0:  # an equation is rarely a lone name
            options = ["matmul", "call", "sum", "sum", "product"]
            if self.v2:
                options += self.v2_options(size)
        return getattr(self, "_" + self.choose(options))(size, depth)

    def v2_options(self, size: Size) -> list[str]:
        options = ["slice", "conv", "minmax"]
        if self.cell.defs:
            options.append("call_def")
        if self.splits_of(size):
            options += ["flat", "blockdiag", "groupnorm"]
        if self.splits_of(size, "heads"):
            options += ["per_head_sum", "per_head_dot"]
        return options

    def _ref(self, size, depth):
        vec = self.choose([v for v in self.pool if v.size == size])
        if vec.gate is not None and vec.gate in self.pending:
            return vec.node, False, [("gate", vec.gate)]
        return vec.node, True, []

    def _weight(self, size, depth):
        reuse = self.reusable("vector", (size,), "elementwise")
        how = self.choose(["fresh", "declared"] + (["reuse"] if reuse else []))
        if how == "reuse":
            return ("ref", self.choose(reuse)), True, []
        field = "real"
        if how == "declared" and self.v2:
            field = self.choose(["real", "real", "complex"])
        name = self.new_param("b", "vector", (size,), how == "declared", "elementwise", field)
        return ("ref", name), how == "declared", [] if how == "declared" else [("param", name)]

    def _matmul(self, size, depth):
        operand, cols = self.any_vector(depth + 1)
        reuse = self.reusable("matrix", (size, cols))
        how = self.choose(["fresh", "fresh", "declared"] + (["reuse"] if reuse else []))
        if how == "reuse":
            return ("mm", self.choose(reuse), operand), True, []
        field = "real"
        if how == "declared" and self.v2:
            field = self.choose(["real", "real", "complex", "quaternion"])
        name = self.new_param("W", "matrix", (size, cols), how == "declared", field=field)
        free = [] if how == "declared" else [("param", name)]
        if self.v2 and self.draw(st.integers(0, 3)) == 0:  # `W @ x + b` with `param b : n bias`
            bias = self.new_param("c", "vector", (size,), declared=True, role="bias", bias=True)
            self.resolve(free)  # the declared bias pins the product's rows
            return ("sum", [("mm", name, operand), ("ref", bias)], ["+"]), True, []
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
        names = FUNCTIONS + (V2_FUNCTIONS if self.v2 else ())
        return ("call", self.choose(names), node), anchored, free

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
        reuse = self.reusable("scalar", (), "elementwise")
        options = ["number", "declared"] + (["reuse"] if reuse else [])
        if self.v2:
            options.append("size")
        how = self.choose(options)
        if how == "number":
            return ("num", self.choose(NUMBERS))
        if how == "size":  # a size symbol in an expression is a constant
            return ("num", self.choose(self.cell.dims))
        if how == "reuse":
            return ("ref", self.choose(reuse))
        return ("ref", self.new_param("s", "scalar", (), True, "elementwise"))

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
        return self.pinned(size, depth), size

    # -- v2: vectors --

    def _slice(self, size, depth):
        """`v[0:size]` or `v[X:X + size]` of a pinned v of size size + X."""
        extra = self.choose(self.sizes)
        operand = self.pinned(add_sizes(size, extra), depth + 1)
        if self.draw(st.booleans()):
            return ("slice", operand, constant(0), size), True, []
        return ("slice", operand, extra, add_sizes(extra, size)), True, []

    def _conv(self, size, depth, operand=None):
        """A causal convolution: kernel (size, K), the shape of its operand kept (a
        vector of `size`, or what `operand` makes: a matrix of `size` entries)."""
        width = self.choose(self.widths)
        reuse = self.reusable("matrix", (size, width), "kernel")
        how = self.choose(["fresh", "declared"] + (["reuse"] if reuse else []))
        if how == "reuse":
            name = self.choose(reuse)
        else:
            name = self.new_param("w", "matrix", (size, width), how == "declared", "kernel")
            self.known.add(name)  # pinned by its pinned operand and its width
        # Without the width, only a declared or already used kernel knows it.
        given = width if how == "fresh" or self.draw(st.booleans()) else None
        node = operand() if operand is not None else self.pinned(size, depth + 1)
        return ("conv1d", name, node, given), True, []

    def _minmax(self, size, depth):
        a, pinned_a, free_a = self.vector(size, depth + 1)
        b, pinned_b, free_b = self.vector(size, depth + 1)
        anchored, free = pinned_a or pinned_b, free_a + free_b
        if anchored:
            self.resolve(free)
            free = []
        return ("call2", self.choose(["max", "min"]), a, b), anchored, free

    def _call_def(self, size, depth):
        definition = self.choose(self.cell.defs)
        args, anchored, free = [], False, []
        for _ in definition.params:  # inlined, all arguments meet in one elementwise class
            node, pinned, more = self.vector(size, depth + 1)
            args.append(node)
            anchored, free = anchored or pinned, free + more
        if anchored:
            self.resolve(free)
            free = []
        return ("def", definition.name, args), anchored, free

    def _flat(self, size, depth):
        split = self.choose(self.splits_of(size))
        return ("flat", self.matrix(split, depth + 1)), True, []

    def _blockdiag(self, size, depth):
        """R : blockdiag(H, a, b) maps H*b to H*a = size."""
        split = self.choose(self.splits_of(size))
        cols = self.choose([split.each] + [s for s in self.sizes if len(s) == 1 and s[0][1]])
        shape = (split.heads, split.each, cols)
        reuse = self.reusable("blockdiag", shape)
        if reuse and self.draw(st.booleans()):
            name = self.choose(reuse)
        else:
            name = self.new_param("R", "blockdiag", shape, declared=True)
        node, _, free = self.vector(mul_sizes(split.heads, cols), depth + 1)
        self.resolve(free)  # the declared weight pins its operand
        return ("mm", name, node), True, []

    def _groupnorm(self, size, depth):
        split = self.choose(self.splits_of(size))
        node, anchored, free = self.vector(size, depth + 1)
        return ("gn", node, split.heads), anchored, free

    def _per_head_sum(self, size, depth):
        split = self.choose(self.splits_of(size, "heads"))
        return ("sumax", self.matrix(split, depth + 1)), True, []

    def _per_head_dot(self, size, depth):
        split = self.choose(self.splits_of(size, "heads"))
        return ("mmv", self.matrix(split, depth + 1), self.matrix(split, depth + 1)), True, []

    # -- v2: values of shape (heads, each) --

    def matrix(self, split: Heads, depth: int) -> tuple:
        """A pinned expression of shape (heads, each)."""
        options = ["heads", "heads"]
        if any(s == split for _, s in self.matrices):
            options.append("ref")
        if any(s == split for _, s in self.tensors):
            options.append("contract")
        if depth < MAX_DEPTH:
            options += ["elementwise", "elementwise", "call", "weight", "conv"]
        how = self.choose(options)
        if how == "heads":
            return ("heads", self.pinned(split.width, depth + 1), split.heads)
        if how == "ref":
            return self.choose([node for node, s in self.matrices if s == split])
        if how == "contract":  # (H, q, q) @ (H, q) or (H, q) @ (H, q, q)
            tensor = self.choose([node for node, s in self.tensors if s == split])
            other = self.matrix(split, depth + 1)
            return ("mmv", tensor, other) if self.draw(st.booleans()) else ("mmv", other, tensor)
        if how == "call":
            names = ("tanh", "sigmoid", "exp", "layernorm", "rmsnorm")
            return ("call", self.choose(names), self.matrix(split, depth + 1))
        if how == "weight":  # W : (each, c) applied to the last axis of (heads, c)
            inner = self.choose([s for s in self.splits if s.heads == split.heads])
            shape = (split.each, inner.each)
            reuse = self.reusable("matrix", shape)
            name = self.choose(reuse) if reuse and self.draw(st.booleans()) else None
            if name is None:
                name = self.new_param("W", "matrix", shape, declared=True)
            return ("mm", name, self.matrix(inner, depth + 1))
        if how == "conv":  # depthwise over every entry: a kernel (heads*each, K)
            node, _, _ = self._conv(split.width, depth, lambda: self.matrix(split, depth + 1))
            return node
        return self.matrix_elementwise(split, depth)

    def matrix_elementwise(self, split: Heads, depth: int) -> tuple:
        """The pinned matrix first, then parameters of its shape, per-head values, scalars."""
        items = [self.matrix(split, depth + 1)]
        for _ in range(self.draw(st.integers(1, 2))):
            how = self.choose(["param", "per_head", "scalar", "gain"])
            if how == "gain":  # a declared weight of the head size, shared over the heads
                reuse = self.reusable("vector", (split.each,), "gain")
                name = self.choose(reuse) if reuse and self.draw(st.booleans()) else None
                items.append(("ref", name or self.new_param("g", "vector", (split.each,), True, "gain")))
            elif how == "param":
                shape = (split.heads, split.each)
                reuse = self.reusable("matrix", shape, "elementwise")
                which = self.choose(["fresh", "declared"] + (["reuse"] if reuse else []))
                if which == "reuse":
                    name = self.choose(reuse)
                else:
                    name = self.new_param("P", "matrix", shape, which == "declared", "elementwise")
                    self.known.add(name)  # beside the pinned matrix
                items.append(("ref", name))
            elif how == "per_head":  # one value per head, spread over the head
                items.append(self.pinned(split.heads, depth + 1))
            else:
                items.append(self.scalar())
        tag, ops = self.choose([("sum", ("+", "-")), ("prod", ("*", "/"))])
        return (tag, items, [self.choose(ops) for _ in items[1:]])

    # -- equations --

    def gate(self, states_to_come: list[str]) -> None:
        if self.splits and self.draw(st.integers(0, 3)) == 0:
            split = self.choose(self.splits)
            name = self.fresh("g")
            self.cell.equations.append(Equation(name, False, self.matrix(split, 0)))
            self.matrices.append((("ref", name), split))
            return
        size = self.choose(self.sizes)
        node, anchored, free = self.vector(size, 0)
        name = self.fresh("g")
        pending_ok = any(self.cell.states.get(s) == size for s in states_to_come)
        if not anchored and pending_ok and self.draw(st.booleans()):
            self.pending[name] = free  # a later state update pins it
        else:
            node = self.anchor(node, anchored, free, size)
        self.cell.equations.append(Equation(name, False, node))
        self.pool.append(Vec(("ref", name), size, gate=name))

    def update(self, state: str) -> None:
        if state in self.cell.tensor_states:
            self.update_tensor(state)
            return
        size = self.cell.states[state]
        node, _, free = self.vector(size, 0)
        waiting = [g for g in self.pending if self.pool_size(g) == size]
        if waiting:
            node = ("sum", [node, *(("ref", g) for g in waiting)], ["+"] * len(waiting))
        self.resolve(free + [("gate", g) for g in waiting])  # the state pins the class
        self.cell.equations.append(Equation(state, True, node))
        self.pool.append(Vec(("new", state), size))

    def update_tensor(self, state: str) -> None:
        """C' = f * C + i * outer(k, v): per-head gates over a (heads, each, each) memory."""
        split = self.cell.tensor_states[state]
        keep = ("ref", state)
        how = self.choose(["gate", "param", "plain"])
        if how == "gate":
            keep = ("prod", [self.pinned(split.heads, 1), keep], ["*"])
        elif how == "param":  # beside the memory, a parameter has its whole shape
            shape = (split.heads, split.each, split.each)
            name = self.new_param("A", "tensor", shape, self.draw(st.booleans()), "elementwise")
            self.known.add(name)
            keep = ("prod", [keep, ("ref", name)], ["*"])
        write = ("outer", self.matrix(split, 1), self.matrix(split, 1))
        if self.draw(st.booleans()):
            write = ("prod", [self.pinned(split.heads, 1), write], ["*"])
        self.cell.equations.append(Equation(state, True, ("sum", [keep, write], ["+"])))
        self.tensors.append((("new", state), split))

    def pool_size(self, gate: str) -> Size:
        return next(v.size for v in self.pool if v.gate == gate)


# ---- the cell's sizes and functions ----


def _sizes(draw, cell: GenCell, v2: bool) -> tuple[list[Size], list[Heads]]:
    """The sizes values may have, and (v2) the ways to split them into heads."""
    dims = cell.dims
    names = [d for d in dims if d not in SPLIT_SYMBOLS]
    basic = [symbol(d) for d in names]
    extra = [size_of((2, (names[0],)))]
    if len(names) > 1:
        extra += [size_of((1, (names[0],)), (1, (names[1],))), size_of((1, tuple(names[:2])))]
    sizes = basic + draw(st.lists(st.sampled_from(extra), max_size=2, unique=True))
    if not v2:
        return sizes, []
    splits = []
    if "H" in dims:  # size dq = e / H: a vector of size e is H heads of size dq
        cell.size_decls["dq"] = ("split", "e", "H")
        split = Heads(symbol("H"), symbol("dq"))
        cell.written[split.width] = "e"
        splits.append(split)
    for _ in range(draw(st.integers(0 if splits else 1, 2))):
        heads = draw(st.sampled_from([constant(2), constant(4)] + basic))
        splits.append(Heads(heads, draw(st.sampled_from(basic))))
    if draw(st.booleans()):  # a derived size of its own: size r = ceil(m / 16)
        name = f"rk{len(cell.size_decls)}"
        cell.size_decls[name] = ("ceil", names[0], draw(st.sampled_from([2, 3, 16])))
        sizes.append(symbol(name))
    for size in sorted({*sizes[len(basic):], *(s.width for s in splits)} - set(cell.written)):
        if len(size) > 1 or size[0][0] != 1 or len(size[0][1]) != 1:
            if draw(st.booleans()):  # an abbreviation: size s = 2*m
                name = f"sz{len(cell.size_decls)}"
                cell.size_decls[name] = ("abbreviation", size)
                cell.written[size] = name
    sizes += [s.width for s in splits] + [s.heads for s in splits if s.heads[0][1]]
    return list(dict.fromkeys(sizes)), list(dict.fromkeys(splits))


def _definitions(draw, cell: GenCell, scalars: list[str]) -> None:
    """One or two elementwise functions: every parameter used, numbers and scalars around."""
    for index in range(draw(st.integers(0, 2))):
        params = tuple(f"z{index}{j}" for j in range(draw(st.integers(1, 2))))
        parts = []
        for param in params:
            node = ("ref", param)
            how = draw(st.sampled_from(["plain", "call", "number"]))
            if how == "call":
                node = ("call", draw(st.sampled_from(FUNCTIONS)), node)
            elif how == "number":
                node = ("sum", [node, ("num", draw(st.sampled_from(NUMBERS)))], ["+"])
            parts.append(node)
        if scalars and draw(st.booleans()):
            parts.append(("ref", draw(st.sampled_from(scalars))))
        if index > 0 and draw(st.booleans()):  # a function calls the one above it
            above = cell.defs[-1]
            parts[0] = ("def", above.name, [parts[0]] * len(above.params))
        if len(parts) == 1:
            body = parts[0]
        elif draw(st.booleans()):
            rest = parts[1] if len(parts) == 2 else ("prod", parts[1:], ["*"] * (len(parts) - 2))
            body = ("call2", draw(st.sampled_from(["max", "min"])), parts[0], rest)
        else:
            tag, ops = draw(st.sampled_from([("sum", ("+", "-")), ("prod", ("*", "/"))]))
            body = (tag, parts, [draw(st.sampled_from(ops)) for _ in parts[1:]])
        cell.defs.append(GenDef(f"f{index}", params, body))


@st.composite
def cells(draw) -> GenCell:
    """A random valid cell (see the module docstring)."""
    v2 = draw(st.booleans())
    dims = tuple(sorted(draw(st.sets(st.sampled_from(SYMBOLS), min_size=1, max_size=3))))
    if v2 and draw(st.booleans()):
        dims += SPLIT_SYMBOLS
    description = draw(
        st.sampled_from(["", "a cell", 'with "quotes"', "back\\slash", "two\nlines"])
    )
    # A display name: none, one with a plain-text form, one without (docs/latex.md, "Display names").
    display = draw(st.sampled_from([None, r"\mathrm{C}", r"\alpha\text{-RNN}_{2}", r"\widetilde{\mathrm{GRU}}"]))
    cell = GenCell(
        name=draw(st.sampled_from(["c", "rnn.x", "cell_1"])), description=description, dims=dims, display=display
    )
    sizes, splits = _sizes(draw, cell, v2)
    for i in range(draw(st.integers(1, 2))):
        cell.inputs[f"x{i}"] = draw(st.sampled_from(sizes))
    for i in range(draw(st.integers(1, 2))):
        cell.states[f"h{i}"] = draw(st.sampled_from(sizes))
    if splits and draw(st.booleans()):
        cell.tensor_states["C"] = draw(st.sampled_from(splits))
    cell.declaration_order = [*cell.inputs, *cell.states, *cell.tensor_states]
    builder = _Builder(draw, cell, sizes, splits, v2)
    if v2:
        count = draw(st.integers(0, 1))
        scalars = [builder.new_param("s", "scalar", (), True, "elementwise") for _ in range(count)]
        _definitions(draw, cell, scalars)
    builder.pool = [Vec(("ref", x), s) for x, s in cell.inputs.items()]
    builder.pool += [Vec(("ref", h), s) for h, s in cell.states.items()]
    builder.tensors = [(("ref", c), s) for c, s in cell.tensor_states.items()]
    steps = ["gate"] * draw(st.integers(0, 6)) + [*cell.states, *cell.tensor_states]
    steps = draw(st.permutations(steps))
    for i, step in enumerate(steps):
        if step == "gate":
            builder.gate([s for s in steps[i + 1 :] if s != "gate"])
        else:
            builder.update(step)
    assert not builder.pending, "every pending gate is pinned by a state update"
    cell.declaration_order = draw(st.permutations(cell.declaration_order))
    if draw(st.booleans()):
        outputs = [*cell.states, *cell.tensor_states, *sorted(cell.gates())]
        cell.output = draw(st.sampled_from(outputs))
    return cell


def environments(cell: GenCell) -> st.SearchStrategy[dict[str, int]]:
    """Values of the header's sizes; where `size dq = e / H`, H divides e."""
    free = {d: st.integers(1, 10**6) for d in cell.dims if d not in SPLIT_SYMBOLS}
    if "H" not in cell.dims:
        return st.fixed_dictionaries(free)
    split = {"H": st.integers(1, 1_000), "dq": st.integers(1, 1_000)}

    def combine(values):
        values = dict(values)
        values["e"] = values["H"] * values.pop("dq")
        return values

    return st.fixed_dictionaries({**free, **split}).map(combine)


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
    reserved = cell.reserved()
    # Reserved words may not start a gate's line; a state or a parameter may
    # well be called `input` or `end`.
    gate_names = draw(distinct_identifiers(len(gates), avoid=STATEMENT_KEYWORDS | reserved))
    other_names = draw(distinct_identifiers(len(others), avoid=set(gate_names) | reserved))
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
