"""Writing files so that a reader never sees half of one under its final name.

Each file is written to a hidden temporary file in the same directory, flushed and fsync'ed,
then renamed over the final name with os.replace (atomic on POSIX within one file system), and
the directory is fsync'ed so the rename itself survives a power cut. A crash at any point leaves
either the old file or the new one, plus at worst a hidden `.<name>.*.tmp` that
`remove_stale_temporaries` clears on the next run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

TEMP_SUFFIX = ".tmp"


def atomic_write(path: Path, write: Callable[[BinaryIO], None], mode: int | None = None) -> Path:
    """Call `write(handle)` on a temporary file and move the result to `path` in one step.

    `mode` sets the file's permissions (temporary files start as 0600, private to the owner).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)
    return path


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Delete temporaries a killed writer left behind (call while no writer runs)."""
    removed = []
    for leftover in Path(directory).glob(f".*{TEMP_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        removed.append(leftover)
    return removed


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
