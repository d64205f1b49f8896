"""What a SOURCE may be: a file, anything else readable, `-`, a built-in by name
or as `builtin:NAME`. Through `cli.main([...])` and its exit codes."""

import json
import os
import stat
import sys
import threading

import pytest
import sympy

import symcount
from conftest import m, n, same
from symcount import cli

RNN = "cell lstm(n)\n    state h : n\n    h' = U @ h\nend\n"
LSTM = 4 * m * n + 4 * n**2 + 4 * n
NO_CELL = "error: no cell in this input"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def counted(capsys, source):
    code, out, err = run(capsys, "count", source, "--format", "json")
    assert code == 0, err
    [cell] = json.loads(out)["cells"]
    return cell


def formula(cell):
    """The JSON count as a formula in symcount's own size symbols."""
    return sympy.sympify(cell["count"], locals={"m": m, "n": n})


def test_builtin_prefix_is_a_source(capsys):
    cell = counted(capsys, "builtin:lstm")
    assert same(formula(cell), LSTM) and cell["source"] == "builtin:lstm"


def test_the_json_source_of_a_builtin_reads_back_as_the_same_cell(capsys):
    first = counted(capsys, "gru")
    assert counted(capsys, first["source"]) == first


def test_an_unknown_builtin_with_the_prefix(capsys):
    code, out, err = run(capsys, "count", "builtin:lstn")
    assert code == 1 and out == ""
    assert err.startswith(
        "builtin:lstn: error: no built-in cell named 'lstn' (did you mean 'lstm'?)"
    )


def test_the_prefix_always_means_a_builtin(capsys, tmp_path, monkeypatch):
    # A file may carry the name; `./` reads it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "builtin:lstm").write_text(RNN)
    assert same(formula(counted(capsys, "builtin:lstm")), LSTM)
    assert same(formula(counted(capsys, "./builtin:lstm")), n**2)


def test_a_directory_does_not_hide_a_builtin(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lstm").mkdir()
    cell = counted(capsys, "lstm")
    assert same(formula(cell), LSTM) and cell["source"] == "builtin:lstm"


def test_a_file_still_wins_over_a_builtin_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lstm").write_text(RNN)
    cell = counted(capsys, "lstm")
    assert same(formula(cell), n**2) and cell["source"] == "lstm"


@pytest.mark.parametrize("name", ["cells", "cells/"])
def test_a_directory_that_names_no_builtin(capsys, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cells").mkdir()
    code, _, err = run(capsys, "count", name)
    assert code == 1
    assert err.startswith(f"{name}: error: is a directory, not a .cell file")


@pytest.fixture
def null_device(tmp_path):
    """/dev/null, or a device like it when /dev/null is not one on this machine."""
    if os.path.exists("/dev/null") and stat.S_ISCHR(os.stat("/dev/null").st_mode):
        return "/dev/null"
    path = tmp_path / "null"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (AttributeError, OSError):
        pytest.skip("no null device")
    return str(path)


def test_a_null_device_has_no_cell(capsys, null_device):
    code, out, err = run(capsys, "count", null_device)
    assert code == 1 and out == ""
    assert err.startswith(f"{null_device}:1:1: {NO_CELL}")


@pytest.fixture
def fifo(tmp_path):
    """Makes a fifo that a thread fills with a text once it is opened for reading."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no fifos")
    path = tmp_path / "cells.fifo"
    writers = []

    def make(text: str) -> str:
        os.mkfifo(path)

        def write():
            with open(path, "w") as pipe:
                pipe.write(text)

        writers.append(threading.Thread(target=write, daemon=True))
        writers[-1].start()
        return str(path)

    yield make
    for writer in writers:
        if writer.is_alive():  # the source was never read: release the writer
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)


def test_a_fifo_is_read(capsys, fifo):
    path = fifo(RNN)
    cell = counted(capsys, path)
    assert same(formula(cell), n**2) and cell["source"] == path


def test_an_empty_fifo_has_no_cell(capsys, fifo):
    path = fifo("")
    code, _, err = run(capsys, "check", path)
    assert code == 1 and err.startswith(f"{path}:1:1: {NO_CELL}")


def test_a_path_through_a_file_is_no_such_file(capsys, tmp_path):
    (tmp_path / "a.cell").write_text(RNN)
    path = str(tmp_path / "a.cell" / "b.cell")
    code, _, err = run(capsys, "count", path)
    assert code == 1 and err.startswith(f"{path}: error: no such file")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(capsys, tmp_path):
    path = tmp_path / "secret.cell"
    path.write_text(RNN)
    path.chmod(0)
    code, _, err = run(capsys, "count", str(path))
    assert code == 1 and err.startswith(f"{path}: error: cannot read the file: Permission denied")


def test_show_takes_the_prefix_too(capsys):
    _, plain, _ = run(capsys, "show", "gru")
    code, prefixed, _ = run(capsys, "show", "builtin:gru")
    assert code == 0 and prefixed == plain


def test_the_api_builtin_takes_its_own_source_back():
    cell = symcount.builtin("lstm")
    again = symcount.builtin(cell.source)
    assert cell.source == again.source == "builtin:lstm"
    assert same(again.count, LSTM)
    with pytest.raises(symcount.SymcountError, match="no built-in cell named 'lstn'"):
        symcount.builtin("builtin:lstn")


def test_a_name_too_long_for_the_system_is_no_such_file(capsys):
    # Path.is_dir() raised OSError (ENAMETOOLONG) on it: found by the command-line fuzzing.
    from symcount import cli

    long = "9" * 5_000
    assert cli.main(["fmt", long]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error:" in err
