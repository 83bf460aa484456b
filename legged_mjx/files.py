"""Atomic file writes: write a hidden temporary sibling, fsync it, rename it over the target.

A crash at any moment leaves either the old file or the complete new one, never a torn file.
"""

import contextlib
import os
import tempfile


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str):
    """Yield a temporary path beside `path`; on a clean exit it replaces `path`, else it is removed."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make outputs private
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(folder)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def atomic_write(path: str, write) -> None:
    """Call write(binary file handle) on a temporary file, then rename it to `path`."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        write(handle)
