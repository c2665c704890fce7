"""Writing files so that nothing is ever half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_text(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write `text` to `path` in one step: a reader sees the old file or the new one.

    With `exclusive`, refuse (FileExistsError) when `path` exists, atomically.
    """
    write_bytes(path, text.encode("utf-8"), exclusive=exclusive)


def write_bytes(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to `path` in one step (see write_text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if path exists, never overwrites
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
