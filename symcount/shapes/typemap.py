"""A shape per expression node, keyed by the node itself (`TypeMap`), and a set
of nodes kept the same way (`NodeSet`).

The IR's nodes are frozen dataclasses that compare by value, and the copies
of a `def`'s body inlined at its call sites keep the body's spans: copies may
be equal, and one text has a shape per call site (`a * 2` in
`def g(a) = a * 2`, called on x and on h). So both classes key a node by its
identity, as mypy's checker keeps a type per expression node (`TypeMap`), and
hold the node, so that its id is never reused by another node while they live.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .. import ir
from ..poly import Poly
from .unify import Solver


class NodeSet:
    """Nodes, by identity: `node in nodes` is true for these very nodes only."""

    __slots__ = ("_nodes",)

    def __init__(self, nodes: Iterable[ir.Node] = ()):
        self._nodes = {id(node): node for node in nodes}

    def __contains__(self, node: object) -> bool:
        return id(node) in self._nodes

    def __iter__(self) -> Iterator[ir.Node]:
        return iter(self._nodes.values())

    def __or__(self, other: NodeSet) -> NodeSet:
        return NodeSet([*self, *other])


class TypeMap:
    """The shape of every node of the equations shapes were inferred from.

    Inference records each node's shape variable of the solver (`record`);
    once the solver has settled (`settle`), `shape_of` answers in sizes. A
    node inference never met raises KeyError: no stage may guess a shape.
    """

    def __init__(self, solver: Solver):
        self._solver = solver
        self._entries: dict[int, tuple[ir.Node, int | None]] = {}  # id → node, shape (None: scalar)
        self._sizes: dict[int, tuple[Poly, ...]] = {}  # shape root → its sizes, once asked for
        self._settled = False

    def record(self, node: ir.Node, shape: int | None) -> None:
        self._entries[id(node)] = (node, shape)

    def variable(self, node: ir.Node) -> int | None:
        """The shape variable recorded for `node` (None: a scalar), while inference runs."""
        return self._entries[id(node)][1]

    def settle(self) -> None:
        """The solver is done: every size it will know is known."""
        self._settled = True

    def __contains__(self, node: object) -> bool:
        return id(node) in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def shape_of(self, node: ir.Node) -> tuple[Poly, ...]:
        """The sizes of `node`'s axes: () for a scalar, (n,) for a vector, (H, d, d)."""
        entry = self._entries.get(id(node))
        if entry is None:
            where = f"line {node.span.line}, column {node.span.column}"
            raise KeyError(f"no shape for the {type(node).__name__} at {where}: shapes were not inferred for it")
        if not self._settled:
            raise RuntimeError("shapes are read only once inference has settled them")
        shape = entry[1]
        if shape is None:
            return ()
        solver = self._solver
        root = solver.find_shape(shape)
        sizes = self._sizes.get(root)
        if sizes is None:
            axes = solver.axes(root)
            known = [solver.size(axis) for axis in axes] if axes is not None else [None]
            if any(size is None for size in known):
                raise ValueError(f"the shape of the {type(node).__name__} was never inferred")
            sizes = self._sizes[root] = tuple(known)
        return sizes
