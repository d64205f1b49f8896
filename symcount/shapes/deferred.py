"""Relations that are not equalities (a concatenation's length, a length split
into heads), solved once enough sizes are known, and the checks after."""

from __future__ import annotations

from ..errors import SymcountError
from ..poly import Poly
from .sizes import never_positive
from .unify import divide, nonnegative


class Deferred:
    """A part of the inference (see `shapes`): mixed into `_Inference`."""

    def solve_deferred(self) -> None:
        # Repeated passes: each relation fires once enough of its sizes are
        # known. Cells rarely have more than a few.
        pending = list(self.deferred)
        while pending:
            still = [item for item in pending if not self._apply(item)]
            if len(still) == len(pending):
                break  # no progress; what stays unknown is reported per parameter
            pending = still
        for item in self.deferred:
            self._check(item)

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
                if never_positive(total - rest):
                    raise self._nothing_left(item, parts.index(unknown[0]), total, rest)
                self.pin(unknown[0], total - rest, node.span, lambda: "a part of " + self.text(node))
                return True
            return False
        if kind == "product":  # whole = a * b
            _, whole, a, b, node = item
            sw, sa, sb = self.size(whole), self.size(a), self.size(b)
            if sa is not None and sb is not None:
                if sw is not None and sw != sa * sb:
                    raise self._product_mismatch(item)
                self.pin(whole, sa * sb, node.span, self.quote(node))
                return True
            if sw is not None and (sa is not None or sb is not None):
                known, other = (sa, b) if sa is not None else (sb, a)
                quotient = divide(sw, known)
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

    def _not_a_multiple(self, item, size: Poly, known: Poly) -> SymcountError:
        _, whole, a, b, node = item
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
            if size is not None and not nonnegative(size - stop):
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
            if size is not None and divide(size, groups) is None:
                origin = self.origin(axis)
                raise self.error(
                    f"size {size} is not a multiple of {groups}, so {self.text(node)} cannot "
                    f"split {self.text(node.args[0])} into {groups} groups",
                    node.span,
                    *((f"size {size} comes from here", origin),) if origin else (),
                )

    # ---- results ----
