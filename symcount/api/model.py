"""The public face of a model (docs/api.md, "Models"): counted, costed, sized
and printed as a cell is, with a breakdown per component."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from .. import ir
from ..counting.summary import ComponentRow, Summary, component_rows
from ..layers.models import ModelLayers
from ..layers.stacking import Layout
from ..resolve.names import Scope
from .cell import _Counted


class Model(_Counted):
    """A model: components composed by name (docs/language.md, "Models").

    >>> import symcount
    >>> model = symcount.builtin("awd_lstm")
    >>> model.name, model.dims
    ('awd_lstm', (V, e, n, L))
    >>> [c.label for c in model.components]
    ['encoder', 'layer1', 'layer2', 'layer3', 'decoder']
    """

    def __init__(self, ir_model: ir.ModelDef, find: Callable[[str], Scope | str | None], no_bias: bool = False):
        self.ir = ir_model
        self._find = find
        self.no_bias = no_bias
        self.layout = Layout(bias=not no_bias)
        self._named(ir_model)
        # Built now: a model whose components do not fit is an error here, not later.
        self._layers = ModelLayers(ir_model, find, self.layout)
        # Slips that are legal (docs/errors.md, "Warnings"): an input nothing reads.
        self.warnings: tuple = self._layers.warnings

    def __repr__(self) -> str:
        return f"<Model {self.name}({', '.join(map(str, self.dims))}): {self.count}>"

    @property
    def params(self):
        """Every parameter, as a `StackParam` whose `layer` is its component's label."""
        return self.counts.params

    @property
    def components(self) -> tuple[ComponentRow, ...]:
        """Each component in order: label, kind, what it is, copies, widths, count."""
        return self.summary.components

    def without_biases(self) -> Model:
        """The model with every component without its biases (`--no-bias`)."""
        return Model(self.ir, self._find, no_bias=True)

    @property
    def removed_biases(self) -> tuple[str, ...]:
        """What `without_biases()` removed, by component (`decoder.bias`); empty with the biases."""
        return tuple(f"{p.label}.{name}" for p in self._layers.parts for name in p.dropped)

    @cached_property
    def summary(self) -> Summary:
        return Summary(
            self.name,
            self.description,
            self.source,
            self.dims,
            None,
            False,
            self.layout.bias,
            None,
            self.warnings,
            self.counts,
            self.derived,
            removed_biases=self.removed_biases,
            components=component_rows(self._layers, self.counts),
            model=self.ir,
        )
