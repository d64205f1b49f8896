import importlib.util
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
