"""Relations that are not equalities (a concatenation's length, a length split
into heads), solved once enough sizes are known, and the checks after."""

from __future__ import annotations

import operator
from functools import reduce

from ..errors import SymcountError
from ..poly import Poly
from .sizes import never_positive


class Deferred:
    """A part of the inference (see `shapes`): mixed into `_Inference`."""

    def solve_deferred(self) -> None:
        # Repeated passes: each relation fires once enough of its sizes are
        # known. Cells rarely have more than a few. A weight that fits a value
        # from either end waits until sizes decide (`Solver.align`); when nothing
        # else moves, the first still waiting is lined up from the left.
        pending = list(self.deferred)
        while pending or self.alignments:
            still = [item for item in pending if not self._apply(item)]
            aligned = self.settle_alignments(force=False)
            if len(still) == len(pending) and not aligned and not self.settle_alignments(force=True):
                break  # no progress; what stays unknown is reported per parameter
            pending = still
        for item in self.deferred:
            self._check(item)

    def pin(self, var: int, size: Poly, origin, what) -> None:
        """A size worked out from others (a concatenation's, a product's) is written as
        plainly as the derived sizes allow (`Sizes.plain`): 3*B*nb is 3*e*p."""
        super().pin(var, self.sizes.plain(size), origin, what)

    def same_size(self, a: Poly, b: Poly) -> bool:
        """Sizes are one also through derived sizes tied to their definitions (`Sizes.same`)."""
        return self.sizes.same(a, b)

    def simpler(self, a: Poly, b: Poly) -> bool:
        """Of two ways to write one size (p*e, H*dh), the one with fewer derived sizes, then
        the shorter: whatever the order the equations meet them in."""
        return self.sizes.plainness(a) < self.sizes.plainness(b)

    def is_weight(self, ref: int) -> bool:
        """A parameter's shape, which a value beside it may share (`b_f` in
        `W_f @ x + b_f`): a weight lines up with either end of a value (`Solver.align`)."""
        root = self.find_shape(ref)
        return any(self.find_shape(shape) == root for shape in self.params.values())

    def _apply(self, item) -> bool:
        kind = item[0]
        if kind == "concat":
            _, whole, parts, node = item
            sizes = [self.size(p) for p in parts]
            unknown = [p for p, s in zip(parts, sizes, strict=True) if s is None]
            total = self.size(whole)
            if not unknown:
                self.pin(whole, Poly.sum(sizes), node.span, self.quote(node))
                return True
            if total is not None and len(unknown) == 1:
                rest = Poly.sum(s for s in sizes if s is not None)
                if never_positive(self.sizes.plain(total - rest)):
                    raise self._nothing_left(item, parts.index(unknown[0]), total, rest)
                self.pin(unknown[0], total - rest, node.span, lambda: "a part of " + self.text(node))
                return True
            return False
        if kind == "product":  # whole = a * b
            _, whole, a, b, node = item
            sw, sa, sb = self.size(whole), self.size(a), self.size(b)
            if sa is not None and sb is not None:
                if sw is not None and not self.same_size(sw, sa * sb):
                    raise self._product_mismatch(item)
                self.pin(whole, sa * sb, node.span, self.quote(node))
                return True
            if sw is not None and (sa is not None or sb is not None):
                known, other = (sa, b) if sa is not None else (sb, a)
                quotient = self.sizes.divide(sw, known)
                if quotient is None:
                    raise self._not_a_multiple(item, sw, known)
                self.pin(other, quotient, node.span, self.quote(node))
                return True
            return False
        return True  # checks only

    def _nothing_left(self, item, index: int, total: Poly, rest: Poly) -> SymcountError:
        """A concatenation whose known parts fill it: its unknown part would have size
        0 or less (`[x, b]` where x alone has the size needed), never a size."""
        _, whole, _, node = item
        part = node.parts[index]
        origin = self.origin(whole)
        return self.error(
            f"{self.text(node)} must have size {total}, which its other parts already fill "
            f"(size {rest}), so {self.text(part)} would have size {total - rest}; sizes are positive",
            part.span,
            *((f"size {total} comes from here", origin),) if origin else (),
        )

    def _product_mismatch(self, item) -> SymcountError:
        """heads() or flat() whose sizes are all known and do not multiply up."""
        _, whole, a, b, node = item
        sw, sa, sb = self.size(whole), self.size(a), self.size(b)
        notes = [(f"size {sw} comes from here", self.origin(whole))]
        if node.func == "conv1d":
            return self._channels_mismatch(node, whole)
        if node.func == "heads":
            notes.append((f"the head size {sb} comes from here", self.origin(b)))
            message = (
                f"size mismatch: {self.text(node)} makes {sa} heads of size {sb}, which needs "
                f"{self.text(node.args[0])} of size {sa * sb}, but it has size {sw}"
            )
        else:
            notes.append((f"size {sw} comes from here", self.origin(whole)))
            message = (
                f"size mismatch: {self.text(node)} has size {sa * sb} ({sa} times {sb}), but "
                f"it is used where size {sw} is needed"
            )
            notes = notes[1:]
        return self.error(message, node.span, *((t, at) for t, at in notes if at is not None))

    def _channels_mismatch(self, node, whole: int) -> SymcountError:
        """conv1d() whose kernel has a row per channel, for another number of channels."""
        kernel, operand = node.args[0], node.args[1]
        rows, shape = self.size(whole), self.types.variable(operand)
        sizes = [self.size(axis) for axis in self.axes(shape)]
        channels = "the product of its axes" if None in sizes else str(reduce(operator.mul, sizes))
        message = (
            f"size mismatch: the kernel '{kernel.name}' has {rows} rows, one per channel, but "
            f"{self.text(node)} convolves every entry of {self.text(operand)}, of shape "
            f"{self.describe(shape)}: {channels} channels (a depthwise convolution has a filter "
            f"per channel, as nn.Conv1d(groups=channels) over the flattened value has)"
        )
        origin = self.origin(whole)
        return self.error(message, node.span, *((f"size {rows} comes from here", origin),) if origin else ())

    def _not_a_multiple(self, item, size: Poly, known: Poly) -> SymcountError:
        _, whole, a, b, node = item
        if node.func == "conv1d":
            return self._channels_mismatch(node, whole)
        if node.func == "heads":
            operand = self.text(node.args[0])
            message = (
                f"size {size} is not a multiple of {known}, so {self.text(node)} cannot split "
                f"{operand} into {known} heads (give {operand} a size that is a multiple of "
                f"{known}, such as {known * Poly.symbol('d')} for heads of size d)"
            )
        else:
            message = f"size {size} is not a multiple of {known}, so {self.text(node)} cannot have it"
        origin = self.origin(whole)
        notes = ((f"size {size} comes from here", origin),) if origin else ()
        return self.error(message, node.span, *notes)

    def _check(self, item) -> None:
        kind = item[0]
        if kind == "slice":
            _, axis, start, stop, node = item
            size = self.size(axis)
            if size is not None and not self.sizes.nonnegative(size - stop):
                origin = self.origin(axis)
                raise self.error(
                    f"the slice {start}:{stop} may reach past the end of "
                    f"{self.text(node.operand)}, which has size {size}",
                    node.span,
                    *((f"size {size} comes from here", origin),) if origin else (),
                )
        elif kind == "divides":
            _, axis, groups, node = item
            size = self.size(axis)
            if size is not None and self.sizes.divide(size, groups) is None:
                origin = self.origin(axis)
                operand = self.text(node.args[0])
                if len(self.axes(self.types.variable(node.args[0]))) > 1:
                    operand = f"the channels (the first axis) of {operand}"
                raise self.error(
                    f"size {size} is not a multiple of {groups}, so {self.text(node)} cannot "
                    f"split {operand} into {groups} groups",
                    node.span,
                    *((f"size {size} comes from here", origin),) if origin else (),
                )

    # ---- results ----
