"""Writing an output file all at once, or not at all (`-o FILE`).

The data goes to a temporary file in the same directory, which then replaces
FILE in one `os.replace` (atomic on POSIX and Windows when both are on the
same file system, hence the same directory). A run that fails, at any point,
leaves an existing FILE exactly as it was and no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO

from .errors import Location, SymcountError


def write_atomically(path: str | os.PathLike, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (bytes, or a function that writes to a binary file) to `path`.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "out.tex"
    >>> write_atomically(path, b"\\\\begin{equation}...")
    >>> path.read_bytes()
    b'\\\\begin{equation}...'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
        )
    except OSError as e:
        raise SymcountError(f"cannot write the file: {e.strerror or e}", Location(path)) from None
    try:
        with os.fdopen(handle, "wb") as out:
            if callable(data):
                data(out)
            else:
                out.write(data)
        os.chmod(temporary, _mode(path))
        os.replace(temporary, path)
    except BaseException as e:
        _remove(temporary)
        if isinstance(e, OSError):
            raise SymcountError(
                f"cannot write the file: {e.strerror or e}", Location(path)
            ) from None
        raise


def _mode(path: str) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 & ~umask.

    (mkstemp makes its file 0600, which would surprise anyone sharing the output.)
    """
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
