"""The public result objects: `Cell` and `Param`, built from the pipeline's stages."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cached_property

import sympy

from . import _collector, count, ir, shapes
from . import sizes as size_rules
from .names import Scope, biases
from .poly import Poly
from .shapes import ParamShape, Shapes


@dataclass(frozen=True)
class Param:
    """One trainable parameter: its shape and count in the cell's size symbols.

    >>> import symcount
    >>> symcount.builtin("lstm").params[0]
    Param(name='W_i', kind='matrix', shape=(n, m), count=m*n, gate='i')
    """

    name: str
    kind: str  # "matrix", "vector", "diag" or "scalar"
    shape: tuple[sympy.Expr, ...]  # (rows, cols); (size,) for vector and diag; () for scalar
    count: sympy.Expr
    gate: str  # the equation that first uses it ("c'" for the update of state c)


class Counted:
    """What a cell and a stack of cells share: counts from groups of parameters.

    A group is (layers label, copies, parameter shapes): a plain cell is one
    group with one copy; a stack has one group for layer 1 and one for the rest
    (or one per layer, when the layers differ in width). A stack with a
    symbolic number of layers whose widths differ also has *summed* parameters,
    whose counts are sums over the layers in closed form and not polynomials.
    """

    dims: tuple[sympy.Symbol, ...]

    def _groups(self) -> list[tuple[str, Poly, tuple[ParamShape, ...]]]:
        raise NotImplementedError

    def _summed(self) -> tuple[SummedParam, ...]:
        return ()

    @cached_property
    @_collector.paused  # a full collection would rescan the whole cell (see _collector)
    def total(self) -> Poly | None:
        """The count as an exact integer polynomial (fast to evaluate); None if it is not one."""
        if self._summed():
            return None
        return count.total(copies * p.count for _, copies, params in self._groups() for p in params)

    @cached_property
    def count(self) -> sympy.Expr:
        """The total number of trainable parameters, expanded."""
        if self.total is not None:
            return count.to_sympy(self.total)
        polys = count.total(copies * p.count for _, copies, params in self._groups() for p in params)
        return sympy.expand(count.to_sympy(polys) + sympy.Add(*(s.count for s in self._summed())))

    @cached_property
    def factored(self) -> sympy.Expr:
        return count.factored(self.count)

    @cached_property
    @_collector.paused
    def gates(self) -> dict[str, sympy.Expr]:
        """Per-gate counts: each parameter counted in the equation that first uses it."""
        per_gate: dict[str, list[Poly]] = {}
        for _, copies, params in self._groups():
            for p in params:
                per_gate.setdefault(p.gate, []).append(copies * p.count)
        gates = {gate: count.to_sympy(Poly.sum(polys)) for gate, polys in per_gate.items()}
        for s in self._summed():
            gates[s.gate] = sympy.expand(gates.get(s.gate, sympy.Integer(0)) + s.count)
        return gates

    def evaluate(self, **sizes: int) -> int:
        """The count at concrete sizes; every size symbol must be given, as a
        positive integer (an int, a numpy integer: anything `operator.index` takes).

        >>> import symcount
        >>> symcount.builtin("lstm").evaluate(m=25, n=100)
        50400
        """
        names = [str(d) for d in self.dims]
        values = self.size_values(check_sizes(names, sizes))
        if self.total is not None:
            return self.total.evaluate(values)
        return int(self.count.subs({count.size_symbol(k): v for k, v in values.items()}))

    def size_values(self, sizes: dict[str, int]) -> dict[str, int]:
        """The header's sizes and the derived ones (`size R = ceil(D / 16)`) they give."""
        return {**sizes, **size_rules.evaluate(self.derived, sizes)}

    @cached_property
    def explicit_count(self) -> sympy.Expr:
        """The count with every derived size written out (R as ceiling(D/16))."""
        return self.count.subs(
            {count.size_symbol(k): v for k, v in self.derived_exprs.items()}
        )

    @cached_property
    def derived_exprs(self) -> dict[str, sympy.Expr]:
        """Each derived size's definition as a sympy expression, in order."""
        out: dict[str, sympy.Expr] = {}
        for name, dim in self.derived.items():
            out[name] = count.dim_expr(dim).subs({count.size_symbol(k): v for k, v in out.items()})
        return out

    def latex(
        self,
        form: str = "expanded",
        equations: bool = False,
        params: bool = False,
        standalone: bool = False,
        sizes: dict[str, int] | None = None,
    ) -> str:
        r"""LaTeX for a paper, exactly as `symcount latex` writes it.

        `form` is "expanded" or "factored"; `equations` adds the cell's
        equations, `params` a table of parameters (with values when `sizes`
        sets every size symbol), `standalone` makes a whole document.

        >>> import symcount
        >>> print(symcount.builtin("rnn").latex(form="factored"), end="")
        % rnn(m, n): Elman recurrent network (Elman, 1990)
        % source: builtin:rnn
        \begin{equation}
          P_{\mathrm{rnn}}(m, n) = n \left(m + n + 1\right)
        \end{equation}
        """
        from .render import Report, render

        if form not in ("expanded", "factored"):
            raise ValueError(f"form must be 'expanded' or 'factored', got {form!r}")
        sizes = dict(sizes or {})
        names = [str(d) for d in self.dims]
        if set(sizes) - set(names):
            raise ValueError(f"sizes must be among {', '.join(names)}, got {', '.join(sizes)}")
        sizes = {key: positive_size(key, value) for key, value in sizes.items()}
        options = {"equations": equations, "params": params, "standalone": standalone}
        return render("latex", [Report(self, sizes)], form=form, **options)

    def _repr_latex_(self) -> str:
        """How a Jupyter notebook shows the cell: its formula, expanded and factored."""
        from .render.latex import notebook

        return notebook(self)

    def _repr_markdown_(self) -> str:
        """The Markdown of `count --format markdown`: formula and parameter table."""
        from .render import Report, render

        return render("markdown", [Report(self)])


class Cell(Counted):
    """A derived cell: its closed-form parameter count and breakdowns.

    >>> import symcount
    >>> cell = symcount.builtin("lstm")
    >>> cell.name, cell.dims
    ('lstm', (m, n))
    >>> cell.count
    4*m*n + 4*n**2 + 4*n
    >>> cell.factored
    4*n*(m + n + 1)
    >>> cell.evaluate(m=3, n=2)
    48
    """

    def __init__(self, ir_cell: ir.Cell, scope: Scope, inferred: Shapes, no_bias: bool = False):
        self.ir = ir_cell
        self.scope = scope
        self.no_bias = no_bias
        self.shapes = self._without_biases(inferred) if no_bias else inferred
        self.name: str = ir_cell.name
        self.description: str = ir_cell.description
        self.source: str = ir_cell.source.filename
        self.dims: tuple[sympy.Symbol, ...] = tuple(count.size_symbol(d.name) for d in ir_cell.dims)
        # Sizes defined with division or ceil/floor: symbols of their own in the count.
        self.derived: dict[str, ir.Dim] = size_rules.derived(scope)
        # Slips that are legal (SPEC §5): SymcountWarnings, never printed by the library.
        self.warnings: tuple = tuple(scope.warnings)

    def __repr__(self) -> str:
        return f"<Cell {self.name}({', '.join(map(str, self.dims))}): {self.count}>"

    @cached_property
    @_collector.paused
    def params(self) -> tuple[Param, ...]:
        return tuple(_param(p) for p in self.shapes.params)

    def _groups(self) -> list[tuple[str, Poly, tuple[ParamShape, ...]]]:
        return [("1", Poly.const(1), self.shapes.params)]

    @property
    def output_size(self) -> sympy.Expr | None:
        size = self.shapes.output_size
        return None if size is None else count.to_sympy(size)

    def without_biases(self) -> Cell:
        """The cell with every parameter that is only ever added (a bias) dropped,
        as PyTorch's `bias=False` and Keras' `use_bias=False` do.

        >>> import symcount
        >>> symcount.builtin("torch.lstm").without_biases().factored
        4*n*(m + n)
        """
        return Cell(self.ir, self.scope, self.shapes, no_bias=True)

    def stacked(self, layers: int | str, bidirectional: bool = False) -> Stack:
        """`layers` copies of the cell, each later one reading the one before.

        `layers` is a positive integer or the name of a size symbol; with
        `bidirectional`, each layer has two directions whose outputs are
        concatenated.

        >>> import symcount
        >>> symcount.builtin("lstm").stacked("L", bidirectional=True).factored
        8*n*(3*L*n + L + m - 2*n)

        The symbol must be new to the cell: `stacked("m")` would tie the depth
        to the input size, and is refused.
        """
        dims = [str(d) for d in self.dims]
        if isinstance(layers, str) and layers in dims:
            fresh = next(s for s in (f"L{k}" if k else "L" for k in range(len(dims) + 1)) if s not in dims)
            raise ValueError(
                f"layers {layers!r} is already a size of cell '{self.name}' ({', '.join(dims)}); "
                f"give the number of layers a symbol of its own, such as {fresh!r}"
            )
        return Stack(self, layers, bidirectional)

    def derive(self, input_sizes: dict[str, Poly]) -> Shapes:
        """Re-solve the shapes with other input sizes (a stacked layer's input)."""
        inferred = shapes.infer(self.scope, input_sizes)
        return self._without_biases(inferred) if self.no_bias else inferred

    def _without_biases(self, inferred: Shapes) -> Shapes:
        dropped = biases(self.scope)
        kept = tuple(p for p in inferred.params if p.name not in dropped)
        return Shapes(kept, inferred.input_sizes, inferred.output_size)


def evaluate_poly(poly: Poly, names: list[str], sizes: dict[str, int]) -> int:
    return poly.evaluate(check_sizes(names, sizes))


def check_sizes(names: list[str], sizes: dict) -> dict[str, int]:
    """Every one of `names` set, nothing else, each a positive integer (else ValueError);
    the sizes as Python ints."""
    missing = [n for n in names if n not in sizes]
    unknown = [k for k in sizes if k not in names]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(unknown))
        raise ValueError(f"sizes must be exactly {', '.join(names)}: {'; '.join(problems)}")
    return {key: positive_size(key, value) for key, value in sizes.items()}


def positive_size(name: str, value: object) -> int:
    """A size given to the API, as a Python int of at least 1.

    Anything `operator.index` takes is an integer (numpy's int64 too); it is
    converted, so that the count is exact Python arithmetic and cannot
    overflow as numpy's fixed-width integers would. bool is refused: `True`
    as a size is a mistake, not 1.
    """
    size = _integer(value)
    if size is None or size < 1:
        raise ValueError(f"size {name} must be a positive integer, got {value!r}")
    return size


def _integer(value: object) -> int | None:
    """`value` as a Python int if `operator.index` takes it and it is no bool."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _param(p: ParamShape) -> Param:
    shape = tuple(count.to_sympy(s) for s in p.shape)
    return Param(p.name, p.kind, shape, count.to_sympy(p.count), p.gate)


@dataclass(frozen=True)
class StackParam(Param):
    """A parameter of a stacked network: `count` covers all its `copies`."""

    layer: str = "1"  # "1" for the first layer, "2..L" for the ones after it
    copies: sympy.Expr = sympy.Integer(1)


@dataclass(frozen=True)
class SummedParam:
    """A parameter of layers 2..L of a stack whose layers differ in width.

    Its shape is written in the layer index `index` (a symbol); its count is
    the closed-form sum of that shape's count over the layers (and directions).
    """

    shape: ParamShape  # as solved for an input of the pseudo-size INPUT_SIZE
    sizes: tuple[sympy.Expr, ...]  # the shape at layer `index`
    count: sympy.Expr
    copies: sympy.Expr

    @property
    def gate(self) -> str:
        return self.shape.gate


# The input size of a generic layer while the stack's widths are solved: not an
# identifier, so it can never be one of a cell's size symbols.
INPUT_SIZE = "$input"


class Stack(Counted):
    """A cell stacked in layers, optionally bidirectional (SPEC §2, stacking).

    Layer 1 reads the cell's input as declared; every later layer reads the
    previous layer's output (twice its size when bidirectional). With P(m) the
    cell's count and n its output size, the total is
    D·(P(m) + (L − 1)·P(D·n)) with D = 2 directions or 1.

    When the output's size depends on the input's (a cell that emits
    `[x, h']`), each layer reads a wider input than the one before, and the
    total is the sum of each layer's own count: for a symbolic L, the sum in
    closed form.

    >>> import symcount
    >>> stack = symcount.builtin("torch.lstm").stacked(2, bidirectional=True)
    >>> stack.evaluate(m=10, n=20)
    15040
    """

    def __init__(self, cell: Cell, layers: int | str, bidirectional: bool = False):
        self.cell = cell
        self.bidirectional = bidirectional
        self.no_bias = cell.no_bias
        self.name, self.description, self.source = cell.name, cell.description, cell.source
        self.warnings = cell.warnings
        self.derived = cell.derived
        self.layers = _layers(layers)
        self.first = cell.shapes
        inputs = list(cell.scope.inputs)
        if len(inputs) != 1 or cell.shapes.output_size is None:
            problem = (
                f"it has {len(inputs)} inputs" if len(inputs) != 1 else "its output size is unknown"
            )
            raise cell.ir.source.error(
                f"cannot stack cell '{cell.name}': {problem}; stacking needs exactly one input "
                "and an output of known size",
                cell.ir.name_span,
            )
        self.input = inputs[0]
        directions = Poly.const(2 if bidirectional else 1)
        self.directions = directions
        self.upper = cell.derive({self.input: directions * cell.shapes.output_size})
        # The output of layer 2 has the size of layer 1's exactly when the
        # output does not depend on the input; then every later layer is alike.
        self.widening = self.upper.output_size != cell.shapes.output_size
        extra = (
            []
            if isinstance(self.layers, int) or str(self.layers) in map(str, cell.dims)
            else [self.layers]
        )
        self.dims: tuple[sympy.Symbol, ...] = cell.dims + tuple(
            count.size_symbol(str(s)) for s in extra
        )

    def __repr__(self) -> str:
        return f"<Stack {self.name} x {self.layers_text}: {self.count}>"

    @property
    def layers_text(self) -> str:
        return str(self.layers) + (" bidirectional" if self.bidirectional else "")

    def _groups(self) -> list[tuple[str, Poly, tuple[ParamShape, ...]]]:
        """(layer label, copies, parameter shapes) for layer 1 and the later layers."""
        layers = self.layers
        first = ("1", self.directions, self.first.params)
        if layers == 1 or (self.widening and isinstance(layers, str)):
            return [first]  # a symbolic widening stack sums its later layers: _summed
        if self.widening:
            return [first] + [
                (str(k), self.directions, shapes.params) for k, shapes in self._layer_shapes()
            ]
        if isinstance(layers, int):
            label = "2" if layers == 2 else f"2..{layers}"
            return [first, (label, self.directions * Poly.const(layers - 1), self.upper.params)]
        later = self.directions * (Poly.symbol(str(layers)) - Poly.const(1))
        return [first, (f"2..{layers}", later, self.upper.params)]

    def _layer_shapes(self):
        """(k, shapes of layer k) for k = 2..L, each layer reading the one before."""
        shapes_k = self.upper
        for k in range(2, self.layers + 1):
            if k > 2:
                width = self.directions * shapes_k.output_size
                shapes_k = self.cell.derive({self.input: width})
            yield k, shapes_k

    @cached_property
    @_collector.paused
    def _summed_params(self) -> tuple[SummedParam, ...]:
        if not (self.widening and isinstance(self.layers, str)):
            return ()
        generic = self.cell.derive({self.input: Poly.symbol(INPUT_SIZE)})
        index, width = self._input_width(generic.output_size)
        last = count.size_symbol(str(self.layers))
        s = count.size_symbol(INPUT_SIZE)
        copies = count.to_sympy(self.directions)
        out = []
        for p in generic.params:
            sizes = tuple(sympy.expand(count.to_sympy(d).subs(s, width)) for d in p.shape)
            at_k = count.to_sympy(p.count).subs(s, width)
            total = sympy.expand(copies * sympy.summation(sympy.expand(at_k), (index, 2, last)))
            out.append(SummedParam(p, sizes, total, copies * (last - 1)))
        return tuple(out)

    def _summed(self) -> tuple[SummedParam, ...]:
        return self._summed_params

    def _input_width(self, output: Poly) -> tuple[sympy.Symbol, sympy.Expr]:
        """The layer index k and the input width of layer k in closed form.

        Sizes only ever add up (concatenation), so the output is a·s + b in the
        input size s, and layer k + 1 reads s_{k+1} = D·(a·s_k + b).
        """
        a = sum(c for m, c in output.terms if m == ((INPUT_SIZE, 1),))
        rest = output - Poly.const(a) * Poly.symbol(INPUT_SIZE)
        assert INPUT_SIZE not in rest.symbols(), f"{output} is not linear in the input size"
        directions = 2 if self.bidirectional else 1
        ratio, step = directions * a, directions * count.to_sympy(rest)
        names = {str(d) for d in self.dims}
        index = count.size_symbol(next(x for x in ("k", "j", "l", "i", "layer") if x not in names))
        start = count.to_sympy(self.first.input_sizes[self.input])
        if ratio == 1:
            return index, start + (index - 1) * step
        grown = sympy.Integer(ratio) ** (index - 1)
        return index, grown * start + step * (grown - 1) / (ratio - 1)

    @cached_property
    @_collector.paused
    def params(self) -> tuple[StackParam, ...]:
        out = []
        for label, copies, params in self._groups():
            for p in params:
                base = _param(p)
                out.append(
                    StackParam(
                        p.name,
                        p.kind,
                        base.shape,
                        count.to_sympy(copies * p.count),
                        p.gate,
                        layer=label,
                        copies=count.to_sympy(copies),
                    )
                )
        later = f"2..{self.layers}"
        for s in self._summed():
            p = s.shape
            out.append(StackParam(p.name, p.kind, s.sizes, s.count, p.gate, later, s.copies))
        return tuple(out)


def _layers(layers: int | str) -> int | str:
    """A positive integer (as `positive_size` takes it) or a symbol name."""
    if isinstance(layers, str):
        if not layers.isidentifier():
            raise ValueError(f"layers must be a positive integer or a symbol name, got {layers!r}")
        return layers
    number = _integer(layers)
    if number is None:
        raise ValueError(f"layers must be a positive integer or a symbol name, got {layers!r}")
    if number < 1:
        raise ValueError(f"layers must be at least 1, got {number}")
    return number
