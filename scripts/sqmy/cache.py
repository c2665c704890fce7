"""Checked items kept between runs, by what each file holds: 10,000 items cost two `git` calls.

The cache is `.sqmy/cache/items.pickle` in the working tree (ignored by Git,
never shared). Each entry is keyed by the item's path inside the repository and
the Git blob id of its content, so it survives a clone, a checkout that
touches every file, and a restore in CI (restore `.sqmy/cache` together with
the signing key below). Blob ids of files Git knows unchanged come from the
index (`git ls-files -s`, with `git diff-files` naming what changed since);
any other file is hashed as Git would hash it. The whole cache is used only
while everything a check depends on is the same: the sqmy version, the
schema, the registry files and where the command runs from (findings name
files relative to it); an entry is used on a later day only when none of its
dates was in the future (the one finding that depends on the day). Anything
unreadable in it is ignored, and `SQMY_NO_CACHE=1` turns it off.

A working tree can hold files nobody here wrote (a pull request checked out by
the required check), and unpickling runs code: the cache is signed with a key
kept outside every repository (`$XDG_CACHE_HOME/sqmy/cache-key`, made on first
use, readable by its owner only), and a file whose signature does not match is
ignored without being unpickled. `.sqmy`, `.sqmy/cache` and the file itself
must not be symbolic links or special files. Each item is kept as plain values
(items.pack), in a file of its own (`items.packed`, signed the same way): `sqmy
validate`, which needs only the findings, reads neither (a thirtieth of the
bytes), and other commands rebuild them quickly.
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
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__, registry
from .findings import Finding
from .items import Item, Journal, unpack
from .paths import Repo
from .schema import SCHEMA_NAMES

FILE = Path(".sqmy") / "cache" / "items.pickle"  # the findings of every file
ITEMS_FILE = FILE.with_name("items.packed")  # the items themselves: path -> (blob, items.pack)
FORMAT = 7
_MAGIC = b"sqmy-cache\n"
_MAX_BYTES = 1 << 30  # far above the cache of any office
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)

@dataclass
class Entry:
    """One checked file: the content it had, what was found, and its Item (pickled) when it has no error."""

    blob: str  # the Git blob id of the content checked
    findings: list[Finding]
    journal: Journal | None  # its journal issue (validate checks issues across files without reading the items)
    item: bytes | None  # the Item (items.pack): rebuilt only by commands that use items
    checked_on: dt.date  # the day it was checked: only a date in the future depends on the day
    valid: bool = False  # it has an Item (`item` is None only when read without items: read(…, items=False))

    def holds_on(self, today: dt.date) -> bool:
        """The same findings today: no date was in the future then, and none can be now (or it is the same day)."""
        return today == self.checked_on or (today > self.checked_on and not any(f.rule == "date-future" for f in self.findings))

    def load(self) -> Item | None:
        if self.item is None and self.valid:
            raise RuntimeError("cache entry read without its item")  # a caller's mistake, never a file's
        return unpack(self.item) if self.item is not None else None


def key(repo: Repo) -> str:
    where = os.path.relpath(repo.root, Path.cwd())  # findings name files as seen from there
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{where}".encode())  # the day is each entry's (Entry.holds_on)
    for name in SCHEMA_NAMES:  # the files as shipped (the loaded schemas are rewritten when compiled)
        digest.update(resources.files("sqmy").joinpath("schemas", f"{name}.schema.json").read_bytes())
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


def read(repo: Repo, wanted_key: str, items: bool = True) -> dict[str, Entry]:
    """Entries by path inside the repository (POSIX), when the cache is this user's and `wanted_key` still holds.

    `items=False`: without the items (valid entries then have `item` None; `sqmy validate` needs none).
    An entry whose item is missing from the items file, or is of other content, is left out (checked again)."""
    index = _read_signed(repo, FILE, wanted_key)
    if index is None:
        return {}
    packed = _read_signed(repo, ITEMS_FILE, wanted_key) if items else None
    found = {}
    for rel, (blob, findings, journal, valid, checked_on) in index.items():
        item = None
        if valid and items:
            kept = packed.get(rel) if packed is not None else None
            if kept is None or kept[0] != blob:
                continue
            item = kept[1]
        found[rel] = Entry(blob, findings, journal, item, checked_on, valid)
    return found


def write(repo: Repo, wanted_key: str, entries: dict[str, Entry]) -> None:
    """Keep `entries`: the items file first, then the index that refers to it (an entry read without its item takes
    the one already kept, or is left out)."""
    secret = _secret()
    if secret is None or not _folder_is_ours(repo):
        return
    packed = {rel: (e.blob, e.item) for rel, e in entries.items() if e.item is not None}
    if any(e.valid and e.item is None for e in entries.values()):
        kept = _read_signed(repo, ITEMS_FILE, wanted_key) or {}
        for rel, e in entries.items():
            if e.valid and e.item is None and rel in kept and kept[rel][0] == e.blob:
                packed[rel] = kept[rel]
    index = {rel: (e.blob, e.findings, e.journal, e.valid, e.checked_on) for rel, e in entries.items() if not e.valid or rel in packed}
    if _write_signed(repo, secret, ITEMS_FILE, wanted_key, packed):
        _write_signed(repo, secret, FILE, wanted_key, index)


def _read_signed(repo: Repo, name: Path, wanted_key: str) -> dict[str, Any] | None:
    """The dictionary in `name`, when this user's sqmy wrote it for `wanted_key`; otherwise None, never unpickled."""
    path = repo.root / name
    secret = _secret()
    if secret is None or not _folder_is_ours(repo):
        return None
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES:
            return None
        with os.fdopen(os.open(path, _READ_FLAGS), "rb") as handle:
            data = handle.read(_MAX_BYTES)
    except OSError:
        return None
    signature, payload = data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
    if not data.startswith(_MAGIC) or not hmac.compare_digest(signature, _sign(secret, payload)):
        return None  # not written by this user's sqmy: never unpickled
    try:
        stored_key, found = pickle.loads(payload)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None
    if stored_key != wanted_key or not isinstance(found, dict):
        return None
    return found


def _write_signed(repo: Repo, secret: bytes, name: Path, wanted_key: str, found: dict[str, Any]) -> bool:
    path = repo.root / name
    payload = pickle.dumps((wanted_key, found), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _folder_is_ours(repo):  # pragma: no cover - replaced by a link while being made
            return False
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + _sign(secret, payload) + payload)
        os.replace(tmp, path)
    except OSError:  # a read-only checkout still works, only slower
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)
        return False
    return True
