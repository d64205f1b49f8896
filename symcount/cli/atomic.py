"""Writing an output file (`-o FILE`) all at once, or not at all.

What is at FILE decides how:

- a regular file, or nothing: the data goes to a temporary file in the same
  directory, which then replaces FILE in one `os.replace` (atomic on POSIX,
  the two being in one directory). A run that fails at any point, or is
  interrupted, leaves an existing FILE as it was and no temporary behind.
  The new file keeps the old one's permissions (and owner, where allowed).
- a symbolic link (or a chain of them): the same, at the file it finally
  points to, in that file's directory; the link stays a link. A dangling
  link is followed too: its target is created, as `echo > link` would.
- anything else that exists (a character device such as /dev/null or a
  terminal, a fifo, /dev/stdout): written directly, with no temporary file:
  replacing a device node or a pipe by a regular file would break it. A
  name for an open descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N)
  that leads to a regular file is appended to, as a write to that
  descriptor would be (`symcount latex lstm -o /dev/stdout >> notes.tex`).
- a writable file in a directory where no temporary file can be made, or
  whose rename is refused (a sticky /tmp, a file owned by someone else):
  written in place. This is the only case an I/O error halfway (a full disk)
  can leave FILE damaged.

The whole output is made in memory before anything on disk is touched, so an
error while rendering (say, in matplotlib) never reaches the file.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ..errors import Location, SymcountError

# A name in one of these directories is an open descriptor, not a file.
_DESCRIPTORS = re.compile(r"/proc/[^/]+(?:/task/[^/]+)?/fd|/dev/fd")
_MAX_LINKS = 40  # as Linux: more links in a chain is ELOOP


def write_atomically(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (bytes, or a function that writes to a binary file) to `path`.

    Problems with the file are a SymcountError located at `path`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.tex"
    >>> write_atomically(path, b"\\\\begin{equation}...")
    >>> path.read_bytes()
    b'\\\\begin{equation}...'
    """
    path = os.fspath(path)
    if callable(data):
        buffer = io.BytesIO()
        data(buffer)
        data = buffer.getvalue()
    try:
        _write(path, data)
    except BrokenPipeError:
        raise  # a reader that went away (`-o /dev/stdout | head`): as for standard output
    except OSError as e:
        raise SymcountError(f"cannot write the file: {e.strerror or e}", Location(path)) from None


def _write(path: str, data: bytes) -> None:
    chain = _links(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:  # nothing there, or a dangling link: make the file
        status = None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if status is not None and (not stat.S_ISREG(status.st_mode) or _descriptor(chain)):
        _write_directly(path, data)
        return
    target = chain[-1]
    if status is not None and not os.access(target, os.W_OK):
        # A rename would replace a file its owner made read-only; `>` would not.
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    try:
        _replace(target, data, status)
    except _NoRename:
        if status is None:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES)) from None
        _write_in_place(target, data)


def _links(path: str) -> list[str]:
    """`path`, then each symbolic link's target in turn; the last is the file.

    Relative targets are joined to the link's directory and left for the
    system to resolve, so `..` after a linked directory means what it means
    to the system.
    """
    chain = [path]
    for _ in range(_MAX_LINKS):
        try:
            target = os.readlink(chain[-1])
        except OSError:  # not a link (or not there): the end of the chain
            return chain
        chain.append(os.path.join(os.path.dirname(chain[-1]), target))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))


def _descriptor(chain: list[str]) -> bool:
    """Whether the chain passes through a name of an open descriptor."""
    for name in chain:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(name)))
        if _DESCRIPTORS.fullmatch(folder):
            return True
    return False


def _write_directly(path: str, data: bytes) -> None:
    # O_APPEND: a descriptor's file keeps what was written to it before; a
    # device or a fifo has no end to append to, and does not care.
    with open(path, "ab") as out:
        out.write(data)


class _NoRename(Exception):
    """The directory allows no temporary file or no rename, or the owner
    cannot be kept: only an in-place write can update the file."""


def _replace(target: str, data: bytes, status: os.stat_result | None) -> None:
    folder = os.path.dirname(target) or "."
    # A short prefix: a 255-character file name plus ours would be too long.
    prefix = f".{os.path.basename(target)[:64]}."
    out = temporary = None
    try:
        with _interrupts_held():  # between making the file and knowing its name
            try:
                handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".tmp")
            except PermissionError:
                raise _NoRename from None
            out = os.fdopen(handle, "wb")
        out.write(data)
        out.flush()
        _keep_mode_and_owner(out.fileno(), status)
        os.fsync(out.fileno())  # on disk before the name points at it
        out.close()
        with _interrupts_held():
            try:
                os.replace(temporary, target)
            except PermissionError:
                raise _NoRename from None
            temporary = None  # it is FILE now
    except BaseException:
        with _interrupts_held():
            if out is not None:
                with contextlib.suppress(OSError):
                    out.close()
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.remove(temporary)
        raise


def _keep_mode_and_owner(handle: int, status: os.stat_result | None) -> None:
    """mkstemp makes its file 0600 and ours; the new file should look like the old.

    A new file gets the usual 0666 & ~umask.
    """
    if status is None:
        os.fchmod(handle, 0o666 & ~_umask())
        return
    mine = os.fstat(handle)
    if (mine.st_uid, mine.st_gid) != (status.st_uid, status.st_gid):
        try:
            os.fchown(handle, status.st_uid, status.st_gid)
        except PermissionError:
            raise _NoRename from None  # replacing would hand the file to us
    os.fchmod(handle, stat.S_IMODE(status.st_mode))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _write_in_place(target: str, data: bytes) -> None:
    # Write, then cut to length: rewriting blocks the file already has needs
    # no new space, so a full disk cannot stop it halfway.
    # Quick (the data is in memory), and held off from Ctrl-C: never half written.
    with _interrupts_held(), open(target, "r+b") as out:
        out.write(data)
        out.truncate()


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C off for a few steps that must not be cut in two (a file
    made but not yet known by name, a rename, a removal); one that comes
    meanwhile is delivered right after.

    A handler that takes note, not a blocked signal: in a process with other
    threads (numpy's, say) a signal blocked in this one reaches Python anyway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are handled in the main thread only
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # a handler set outside Python: leave it alone
        yield
        return
    caught = []
    signal.signal(signal.SIGINT, lambda number, frame: caught.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            _deliver(previous, caught[0])


def _deliver(handler, frame) -> None:
    if callable(handler):
        handler(signal.SIGINT, frame)  # Python's own raises KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)
