"""A local cache of checked items, so that reading 10,000 items costs a stat each.

The cache is `.sqmy/cache/items.pickle` in the working tree (ignored by Git,
never shared).  It is used only while everything a check depends on is the
same: the sqmy version, the schema, the registry files and the day (dates in
the future are findings); a file is re-read when its size, mtime or inode
changed.  Anything unreadable in it is ignored, and `SQMY_NO_CACHE=1` turns
it off.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__, registry
from .findings import Finding
from .items import Item
from .paths import Repo
from .schema import SCHEMA_NAMES, schema

FILE = Path(".sqmy") / "cache" / "items.pickle"
FORMAT = 1

Stat = tuple[int, int, int]


@dataclass
class Entry:
    stat: Stat
    item: Item | None
    findings: list[Finding]


def _stat(path: Path) -> Stat:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def key(repo: Repo, today: dt.date) -> str:
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{today.isoformat()}|{repo.root}".encode())
    for name in SCHEMA_NAMES:
        digest.update(repr(schema(name)).encode())
    for path in registry.iter_files(repo):
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def enabled() -> bool:
    return not os.environ.get("SQMY_NO_CACHE")


def read(repo: Repo, wanted_key: str) -> dict[str, Entry]:
    path = repo.root / FILE
    try:
        with path.open("rb") as handle:
            stored_key, entries = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return {}
    if stored_key != wanted_key or not isinstance(entries, dict):
        return {}
    return entries


def write(repo: Repo, wanted_key: str, entries: dict[str, Entry]) -> None:
    path = repo.root / FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".items.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((wanted_key, entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a read-only checkout still works, only slower
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def split(paths: list[Path], entries: dict[str, Entry]) -> tuple[dict[str, Entry], list[Path], dict[str, Stat]]:
    """(entries still valid, paths to check again, the stat of each path)."""
    keep: dict[str, Entry] = {}
    stale: list[Path] = []
    stats: dict[str, Stat] = {}
    for path in paths:
        name = str(path)
        try:
            stats[name] = _stat(path)
        except OSError:
            stale.append(path)
            continue
        entry = entries.get(name)
        if entry is not None and entry.stat == stats[name]:
            keep[name] = entry
        else:
            stale.append(path)
    return keep, stale, stats
