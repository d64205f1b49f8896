"""Start-up: the cheap commands stay cheap, and the parser is built once.

Each check runs a fresh interpreter (start-up is about what a new process
loads) on the source tree.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sympy", "lark", "symcount.syntax", "symcount.api", "symcount.api.cell")


def python(code, tmp_path, **env):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"], ["list"], ["show", "lstm"], ["--version"], ["count", "--help"], ["fmt", "--help"],
        ["cost", "--help"], ["cost"], ["latex", "--help"],  # the pricing flags are checked later
    ],  # fmt: skip
)
def test_cheap_commands_import_neither_sympy_nor_the_parser(tmp_path, argv):
    code = (
        "import sys\n"
        "from symcount import cli\n"
        "try:\n"
        f"    cli.main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    assert python(code, tmp_path).splitlines()[-1] == "LOADED []"


def test_the_parser_is_built_once_per_process(tmp_path):
    code = (
        "import lark, symcount\n"
        "built = []\n"
        "original = lark.Lark.__init__\n"
        "def counting(self, *args, **kwargs):\n"
        "    built.append(1)\n"
        "    original(self, *args, **kwargs)\n"
        "lark.Lark.__init__ = counting\n"
        "for name in symcount.builtins():\n"
        "    symcount.builtin(name).count\n"
        "for bad in ['cell c(n)\\n h = (\\nend\\n', 'y = x\\n', 'cell c(n)\\n$\\n']:\n"
        "    try:\n"
        "        symcount.loads(bad)\n"
        "    except symcount.SymcountError:\n"
        "        pass\n"
        "symcount.format_text('cell c(n)\\nend\\n')\n"
        "print('BUILT', len(built))\n"
    )
    assert python(code, tmp_path, XDG_CACHE_HOME=str(tmp_path)).splitlines()[-1] == "BUILT 1"


PARSE = "import symcount\nprint(symcount.builtin('lstm').count)\n"
# With the grammar compiler broken, only the cached tables can parse.
PARSE_FROM_CACHE = (
    "import lark.lark\n"
    "def refuse(*args, **kwargs):\n"
    "    raise AssertionError('the grammar was compiled again')\n"
    "lark.lark.load_grammar = refuse\n" + PARSE
)
COUNT = "4*m*n + 4*n**2 + 4*n"


def test_the_parser_tables_are_cached_in_the_users_cache_directory(tmp_path):
    assert python(PARSE, tmp_path, XDG_CACHE_HOME=str(tmp_path)).strip() == COUNT
    [cache] = (tmp_path / "symcount").glob("parser-*.cache")
    assert python(PARSE_FROM_CACHE, tmp_path, XDG_CACHE_HOME=str(tmp_path)).strip() == COUNT

    cache.write_bytes(b"not a cache")  # damaged: rebuilt, not trusted
    assert python(PARSE, tmp_path, XDG_CACHE_HOME=str(tmp_path)).strip() == COUNT
    assert cache.read_bytes() != b"not a cache"
    assert python(PARSE_FROM_CACHE, tmp_path, XDG_CACHE_HOME=str(tmp_path)).strip() == COUNT


@pytest.mark.parametrize("where", ["a-file", "relative"])
def test_without_a_usable_cache_directory_it_still_works(tmp_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    cache_home = str(blocker) if where == "a-file" else "relative/dir"
    assert python(PARSE, tmp_path, XDG_CACHE_HOME=cache_home).strip() == COUNT
    assert not (tmp_path / "relative").exists()


def test_the_command_freezes_the_libraries_and_leaves_the_collector_on(tmp_path):
    code = (
        "import gc, io, contextlib\n"
        "from symcount import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli.main(['count', 'lstm'])\n"
        "print('ENABLED', gc.isenabled(), 'FROZEN', gc.get_freeze_count())\n"
    )
    enabled, frozen = python(code, tmp_path).split()[1::2]
    assert enabled == "True"
    assert int(frozen) > 100_000  # sympy's and lark's objects, out of the collector's way
