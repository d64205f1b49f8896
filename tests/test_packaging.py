"""The wheel carries the grammar and the built-in cells; the docs' examples run."""

import doctest
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import symcount
from symcount import errors
from symcount.api import cell as model
from symcount.api import reading as api

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_grammar_and_cells(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("symcount-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "symcount/symcount.lark" in names
    for cell in symcount.builtins():
        assert f"symcount/cells/{cell}.cell" in names


def test_console_script_runs_from_anywhere(tmp_path):
    exe = shutil.which("symcount")
    if exe is None:
        pytest.skip("symcount is not installed (run the README's test command)")
    result = subprocess.run(
        [exe, "count", "gru", "--set", "m=3", "--set", "n=2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "value     36  (m=3, n=2)" in result.stdout


@pytest.mark.parametrize("module", [symcount, api, errors, model])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
