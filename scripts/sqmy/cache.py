"""A local cache of checked items, so that reading 10,000 items costs a stat each.

The cache is `.sqmy/cache/items.pickle` in the working tree (ignored by Git,
never shared).  It is used only while everything a check depends on is the
same: the sqmy version, the schema, the registry files and the day (dates in
the future are findings); a file is re-read when its size, mtime or inode
changed (of the entry itself: links are not followed).  Anything unreadable in
it is ignored, and `SQMY_NO_CACHE=1` turns it off.

A working tree can hold files nobody here wrote (a pull request checked out by
the required check), and unpickling runs code: the cache is signed with a key
kept outside every repository (`$XDG_CACHE_HOME/sqmy/cache-key`, made on first
use, readable by its owner only), and a file whose signature does not match is
ignored without being unpickled.  `.sqmy`, `.sqmy/cache` and the file itself
must not be symbolic links or special files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import os
import pickle
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__, registry
from .findings import Finding
from .items import Item
from .paths import Repo
from .schema import SCHEMA_NAMES, schema

FILE = Path(".sqmy") / "cache" / "items.pickle"
FORMAT = 2
_MAGIC = b"sqmy-cache\n"
_MAX_BYTES = 1 << 30  # far above the cache of any office
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

Stat = tuple[int, int, int]


@dataclass
class Entry:
    stat: Stat
    item: Item | None
    findings: list[Finding]


def _stat(path: Path) -> Stat:
    st = os.lstat(path)  # a link is its own entry: replacing a file by a link is a change
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def key(repo: Repo, today: dt.date) -> str:
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{today.isoformat()}|{repo.root}".encode())
    for name in SCHEMA_NAMES:
        digest.update(repr(schema(name)).encode())
    units = registry.FolderSource(repo.units_dir, str)  # links, special and huge files refused, never opened
    for path in registry.iter_files(repo):
        try:
            digest.update(units.read(path.name) or b"")
        except (registry.NotRegular, ValueError, OSError):
            with contextlib.suppress(OSError):
                st = os.lstat(path)
                digest.update(f"{st.st_mode}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}".encode())
    return digest.hexdigest()


def enabled() -> bool:
    return not os.environ.get("SQMY_NO_CACHE")


def user_folder() -> Path:
    """This user's own cache folder, outside every repository (nothing a pull request carries lands there)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sqmy"


def _secret() -> bytes | None:
    """This user's signing key, made on first use; None when there is nowhere to keep it (no cache then)."""
    try:
        folder = user_folder()
        path = folder / "cache-key"
        for _ in range(2):
            try:
                fd = os.open(path, _READ_FLAGS)
            except FileNotFoundError:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                with contextlib.suppress(FileExistsError):  # another process made it first: read that one
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                    with os.fdopen(fd, "wb") as handle:
                        handle.write(secrets.token_bytes(32))
                continue
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                secret = handle.read(64)
            return secret if len(secret) == 32 else None
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None
    return None


def _sign(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def _folder_is_ours(repo: Repo) -> bool:
    """`.sqmy` and `.sqmy/cache` are real folders (or absent), not links to elsewhere."""
    for folder in (repo.root / FILE.parent.parent, repo.root / FILE.parent):
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
        except FileNotFoundError:
            return True
        except OSError:
            return False
    return True


def read(repo: Repo, wanted_key: str) -> dict[str, Entry]:
    path = repo.root / FILE
    secret = _secret()
    if secret is None or not _folder_is_ours(repo):
        return {}
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES:
            return {}
        with os.fdopen(os.open(path, _READ_FLAGS), "rb") as handle:
            data = handle.read(_MAX_BYTES)
    except OSError:
        return {}
    signature, payload = data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
    if not data.startswith(_MAGIC) or not hmac.compare_digest(signature, _sign(secret, payload)):
        return {}  # not written by this user's sqmy: never unpickled
    try:
        stored_key, entries = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return {}
    if stored_key != wanted_key or not isinstance(entries, dict):
        return {}
    return entries


def write(repo: Repo, wanted_key: str, entries: dict[str, Entry]) -> None:
    path = repo.root / FILE
    secret = _secret()
    if secret is None or not _folder_is_ours(repo):
        return
    payload = pickle.dumps((wanted_key, entries), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _folder_is_ours(repo):  # pragma: no cover - replaced by a link while being made
            return
        fd, tmp = tempfile.mkstemp(prefix=".items.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + _sign(secret, payload) + payload)
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
