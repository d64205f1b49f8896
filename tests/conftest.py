import sympy

from symcount.count import size_symbol

m, n, p = (size_symbol(s) for s in "mnp")


def same(a, b) -> bool:
    """Formulas compared symbolically, never as strings."""
    return sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0
