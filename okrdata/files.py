"""Writing files whole or not at all, and saying in words why a file could not be used.

Every file the ``okr`` command writes (exports, full exports, reports, backups) goes through
:func:`write_atomic` or takes a :func:`temporary_beside` name: the bytes go to a temporary file
in the same folder, which is then renamed over the final name (``os.replace``, atomic on one
file system). A full disk or a crash half-way leaves the final name as it was (absent, or the
previous file) and no partial file beside it.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from okrdata.errors import ValidationError

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied (read-only?)",
    errno.EPERM: "permission denied (read-only?)",
    errno.ENOENT: "it does not exist",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of its path is not a folder",
    errno.EFBIG: "the file is too large for this system",
}


def reason(error: OSError) -> str:
    """Why an operation on a file failed, in words: ``"the disk is full"``."""
    return _REASONS.get(error.errno, (error.strerror or str(error)).lower())


def temporary_beside(path: str | os.PathLike) -> Path:
    """A name for a temporary file in ``path``'s folder, hidden and unique: ``.x.csv.3f9a1c.part``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_atomic(path: str | os.PathLike, data: bytes, *, field: str = "FILE", mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` whole or not at all, and return the path.

    A file it replaces keeps its permissions; a new one gets ``mode`` (default: what the umask
    allows, as for any new file; pass ``0o600`` for a file holding secrets). Raises a
    ValidationError naming ``field`` when the folder does not exist or the file cannot be
    written (full disk, read-only folder...); then nothing was written under ``path``.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(field, f"the folder {folder} does not exist.")
    if path.is_dir():
        raise ValidationError(field, f"{path} is a folder; give a file name.")
    try:
        keep = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        keep = None
    temporary = temporary_beside(path)
    try:
        # O_EXCL: never write through a name someone else made; the kernel applies the umask.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
        try:
            if keep is not None:
                os.fchmod(fd, keep)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ValidationError(field, f"cannot write {path}: {reason(error)}; nothing was written.") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
