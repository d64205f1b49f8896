"""The README shows what the tool really prints."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _conventions():
    spec = importlib.util.spec_from_file_location("conventions", ROOT / "docs" / "conventions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_convention_table_is_the_tools_output():
    conventions = _conventions()
    assert conventions.current() == conventions.table()
