"""`-o FILE`: what is at FILE decides how it is written, and nothing is damaged.

Symbolic links are written through (atomically, at their target); devices,
fifos and descriptors (/dev/stdout) directly; a writable file in a directory
that takes no temporary file in place. The cases that need an ordinary user
run in a forked child that has become `nobody`, when the tests run as root;
otherwise they are skipped.

Device nodes and /dev/stdout are tested through private equivalents made in
the test's folder (a character device 1,3 is /dev/null; a link to
/proc/self/fd/1 is /dev/stdout): a regression would then damage a copy, not
the machine's own /dev.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

import pytest

from symcount import SymcountError, cli
from symcount.cli.atomic import write_atomically

ROOT = Path(__file__).resolve().parent.parent
DATA = b"\\begin{equation} P = 4 m n \\end{equation}\n"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# ---- symbolic links: written through, atomically at the target ----


def test_a_link_is_written_through_and_stays_a_link(tmp_path):
    target = tmp_path / "paper.tex"
    target.write_bytes(b"old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.tex"
    link.symlink_to("paper.tex")
    write_atomically(link, DATA)
    assert link.is_symlink() and os.readlink(link) == "paper.tex"
    assert target.read_bytes() == DATA
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert listing(tmp_path) == ["link.tex", "paper.tex"]


def test_a_chain_of_links_and_a_relative_link_from_another_folder(tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "paper.tex"
    target.write_bytes(b"old\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "rel.tex").symlink_to("../out/paper.tex")  # relative to its folder
    (tmp_path / "first.tex").symlink_to("sub/rel.tex")  # a chain: first -> rel -> paper
    write_atomically(tmp_path / "first.tex", DATA)
    assert target.read_bytes() == DATA
    assert os.readlink(tmp_path / "first.tex") == "sub/rel.tex"
    assert os.readlink(tmp_path / "sub" / "rel.tex") == "../out/paper.tex"
    # the temporary file was made beside the target, and is gone
    assert listing(tmp_path / "out") == ["paper.tex"]
    assert listing(tmp_path / "sub") == ["rel.tex"]


def test_a_link_through_the_command_line_for_latex_and_plot(capsys, tmp_path):
    (tmp_path / "paper.tex").write_text("old\n")
    (tmp_path / "link.tex").symlink_to("paper.tex")
    code, _, err = run(capsys, "latex", "lstm", "-o", str(tmp_path / "link.tex"))
    assert code == 0, err
    assert (tmp_path / "link.tex").is_symlink()
    assert (tmp_path / "paper.tex").read_text().startswith("% lstm(m, n)")
    pytest.importorskip("matplotlib")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig.svg").write_text("old\n")
    (tmp_path / "fig.svg").symlink_to("figures/fig.svg")
    argv = ["plot", "lstm", "--vary", "n=1:8", "--set", "m=4", "-o", str(tmp_path / "fig.svg")]
    code, _, err = run(capsys, *argv)
    assert code == 0, err
    assert (tmp_path / "fig.svg").is_symlink()
    assert (tmp_path / "figures" / "fig.svg").read_bytes().startswith(b"<?xml")


def test_a_dangling_link_creates_its_target(tmp_path):
    link = tmp_path / "link.tex"
    link.symlink_to("made.tex")
    write_atomically(link, DATA)
    assert link.is_symlink() and (tmp_path / "made.tex").read_bytes() == DATA
    assert listing(tmp_path) == ["link.tex", "made.tex"]
    # into a folder that does not exist: an error, and nothing is made
    (tmp_path / "far.tex").symlink_to("no/such/folder/x.tex")
    with pytest.raises(SymcountError, match="No such file or directory"):
        write_atomically(tmp_path / "far.tex", DATA)


def test_a_loop_of_links_is_an_error(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(SymcountError) as info:
        write_atomically(tmp_path / "a", DATA)
    assert "symbolic links" in info.value.message
    assert os.readlink(tmp_path / "a") == "b" and os.readlink(tmp_path / "b") == "a"


# ---- things that are not regular files: written directly ----


@pytest.fixture
def null_device(tmp_path):
    """A character device 1,3 (what /dev/null is), or /dev/null itself when
    device nodes cannot be made (not root): it then cannot be replaced either."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return Path(os.devnull)
    return node


def test_a_character_device_stays_a_device(capsys, null_device):
    before = os.stat(null_device)
    write_atomically(null_device, DATA)
    code, out, _ = run(capsys, "latex", "lstm", "--params", "-o", str(null_device))
    assert (code, out) == (0, "")
    after = os.stat(null_device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino
    if null_device.parent != Path("/dev"):  # nothing added beside it
        assert listing(null_device.parent) == ["null"]


def test_a_fifo_is_written_to_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomically(fifo, DATA)
    reader.join(timeout=30)
    assert received == [DATA]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert listing(tmp_path) == ["pipe"]


def test_a_name_for_standard_output_writes_there(capfd, tmp_path):
    # /dev/stdout is a link to /proc/self/fd/1; pytest's fd 1 is a regular file.
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    if not os.path.exists("/proc/self/fd/1"):
        pytest.skip("no /proc/self/fd on this system")
    print("before", flush=True)
    write_atomically(stdout, DATA)
    assert capfd.readouterr().out == "before\n" + DATA.decode()
    assert stdout.is_symlink() and listing(tmp_path) == ["stdout"]


def _command(args, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "symcount", *args], env=env, timeout=120, **kwargs)


def test_dev_stdout_on_a_pipe_and_appended_to_a_file(tmp_path):
    expected = _command(["latex", "lstm"], capture_output=True).stdout
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    result = _command(["latex", "lstm", "-o", str(stdout)], capture_output=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, b"")
    notes = tmp_path / "notes.tex"
    notes.write_bytes(b"% my notes\n")
    with open(notes, "ab") as appended:  # `>> notes.tex`
        result = _command(["latex", "lstm", "-o", str(stdout)], stdout=appended)
    assert result.returncode == 0
    assert notes.read_bytes() == b"% my notes\n" + expected  # kept, then appended


def test_a_folder_is_an_error(capsys, tmp_path):
    code, _, err = run(capsys, "latex", "lstm", "-o", str(tmp_path))
    assert code == 1 and err.startswith(f"{tmp_path}: error: cannot write the file: Is a directory")
    assert listing(tmp_path) == []


# ---- regular files: atomic, and nothing left behind ----


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o027)
    try:
        write_atomically(tmp_path / "new.tex", DATA)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.tex").stat().st_mode) == 0o640


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failing_or_interrupted_write_leaves_the_file_and_no_temporary(
    tmp_path, monkeypatch, failure
):
    target = tmp_path / "paper.tex"
    target.write_bytes(b"precious\n")

    def fail(handle):
        raise failure

    monkeypatch.setattr(os, "fsync", fail)  # after the data is written, before the rename
    expected = SymcountError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        write_atomically(target, DATA)
    assert target.read_bytes() == b"precious\n"
    assert listing(tmp_path) == ["paper.tex"]


def test_an_error_while_rendering_touches_nothing(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # would block if it were opened: it must not be

    def broken(out):
        out.write(b"half")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_atomically(fifo, broken)
    assert listing(tmp_path) == ["pipe"]


def test_a_very_long_file_name(tmp_path):
    target = tmp_path / ("x" * 251 + ".tex")  # 255 characters, the most a name can have
    write_atomically(target, DATA)
    assert target.read_bytes() == DATA and listing(tmp_path) == [target.name]


# ---- as an ordinary user ----


@pytest.fixture
def shared(tmp_path):
    """A folder `nobody` can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="symcount-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def nobody():
    """The user `nobody`, whom a forked child can become when the tests run as root."""
    if not hasattr(os, "fork") or os.geteuid() != 0:
        pytest.skip("needs root, to become an ordinary user")
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' on this machine")


def as_user(user, function) -> None:
    """Run `function` in a forked child that has become `user`; an exception
    there fails the test here."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        report = b"ok"
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            function()
        except BaseException:
            report = traceback.format_exc().encode()
        finally:
            os.write(write, report)
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    os.waitpid(child, 0)
    assert report == b"ok", report.decode()


def test_a_writable_file_in_an_unwritable_folder_is_written_in_place(shared, nobody):
    target = shared / "paper.tex"
    target.write_bytes(b"old text, longer than the new one " * 10)
    os.chown(target, nobody.pw_uid, nobody.pw_gid)
    inode = target.stat().st_ino

    def write():
        assert not os.access(shared, os.W_OK)
        write_atomically(target, DATA)

    as_user(nobody, write)
    assert target.read_bytes() == DATA  # cut to the new length
    assert target.stat().st_ino == inode
    assert listing(shared) == ["paper.tex"]


def test_a_file_of_someone_else_in_a_sticky_folder_keeps_its_owner(shared, nobody):
    shared.chmod(0o1777)  # like /tmp
    target = shared / "shared.tex"
    target.write_bytes(b"old\n")
    target.chmod(0o666)  # root's, writable by all
    as_user(nobody, lambda: write_atomically(target, DATA))
    assert target.read_bytes() == DATA
    assert target.stat().st_uid == 0 and stat.S_IMODE(target.stat().st_mode) == 0o666
    assert listing(shared) == ["shared.tex"]


def test_a_read_only_file_is_refused_not_replaced(shared, nobody):
    shared.chmod(0o777)
    target = shared / "final.tex"
    target.write_bytes(b"submitted\n")
    os.chown(target, nobody.pw_uid, nobody.pw_gid)
    target.chmod(0o444)

    def write():
        with pytest.raises(SymcountError, match="Permission denied"):
            write_atomically(target, DATA)

    as_user(nobody, write)
    assert target.read_bytes() == b"submitted\n" and listing(shared) == ["final.tex"]


def test_a_new_file_in_an_unwritable_folder_is_an_error(shared, nobody):
    def write():
        with pytest.raises(SymcountError, match="Permission denied"):
            write_atomically(shared / "new.tex", DATA)

    as_user(nobody, write)
    assert listing(shared) == []


def test_dev_stdout_as_an_ordinary_user(nobody):
    def write():
        # The pipe is made by the user, as a shell's would be.
        read, write = os.pipe()
        os.dup2(write, 1)
        write_atomically("/dev/stdout", DATA)
        os.close(1)
        os.close(write)
        assert os.read(read, 1000) == DATA

    with contextlib.suppress(OSError):
        sys.stdout.flush()  # nothing of ours pending in the child's copy
    as_user(nobody, write)
