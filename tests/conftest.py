import importlib.util
import itertools
import random
import sys
from pathlib import Path

import pytest
import sympy

from symcount.symbols import size_symbol

m, n, p = (size_symbol(s) for s in "mnp")


def doc_script(name: str):
    """A script of docs/ (they are not a package), loaded as a module."""
    path = Path(__file__).resolve().parent.parent / "docs" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def same(a, b) -> bool:
    """Formulas compared symbolically, never as strings."""
    return sympy.expand(sympy.sympify(a) - sympy.sympify(b)) == 0


def builtin_cells() -> list[str]:
    """The built-in cells and blocks, not the models (which have no `shapes`, no
    `stacked`: tests/test_models.py and tests/test_reference_models.py cover them)."""
    from symcount import sources

    return [name for name in sources.builtin_names() if sources.builtin_kind(name) != "model"]


def accepted_sizes(cell, first: dict[str, int], seed: str) -> dict[str, int]:
    """`first` if `cell` accepts it, else the first seeded random sizes (1 to 9 each)
    that it does. A cell whose derived sizes divide (xlstm.mlstm_layer's `size dh = I / H`)
    refuses sizes where the division is not whole (docs/language.md, "Sizes")."""
    rng = random.Random(seed)
    drawn = ({name: rng.randint(1, 9) for name in first} for _ in itertools.count())
    return next(sizes for sizes in itertools.chain([first], drawn) if _accepts(cell, sizes))


def _accepts(cell, sizes: dict[str, int]) -> bool:
    try:
        cell.size_values(sizes)
    except ValueError:
        return False
    return True


# ---- the slow set: off by default, on with --slow (what CI and the README run) ----


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        help="also run the tests marked slow (long fuzzing) and long hypothesis runs",
    )


def pytest_configure(config):
    # Hypothesis checks properties, not speed: no per-example deadline, which
    # a loaded CI machine would trip. A quick run by default, a long one with --slow.
    from hypothesis import HealthCheck, settings

    relaxed = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
    settings.register_profile("symcount", max_examples=60, **relaxed)
    settings.register_profile("symcount-slow", max_examples=500, **relaxed)
    settings.load_profile("symcount-slow" if config.getoption("--slow") else "symcount")


def pytest_collection_modifyitems(config, items):
    # An explicit `-m` expression chooses for itself.
    if config.getoption("--slow") or config.option.markexpr:
        return
    skip = pytest.mark.skip(reason="slow: run with --slow (the README's test command does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# Hypothesis reads `__file__` of every module in sys.modules between examples (it
# harvests constants from local code). speechbrain's lazy modules, once
# tests/research_modules.py has imported speechbrain, import on that read: some
# add modules (sys.modules grows between two runs of one example, and hypothesis
# stops the test as flaky, "Inconsistent data generation"), some raise ImportError
# (k2 is not installed) inside the test. In a full run only, since test_research
# runs first. So after each test every module's `__file__` is read until nothing
# new comes, and a module that cannot load is given `__file__ = None`, which is
# what hypothesis would make of it; the loop does nothing while sys.modules keeps
# its length.
_modules_settled = 0


def pytest_runtest_teardown(item):
    global _modules_settled
    while len(sys.modules) != _modules_settled:
        _modules_settled = len(sys.modules)
        for module in list(sys.modules.values()):
            try:
                getattr(module, "__file__", None)
            except Exception:  # a lazy module whose target cannot be imported here
                vars(module)["__file__"] = None
