"""Finding and reading items: the walk over items/, the safe read, the worker pool, the cache.

Every command that uses items reads them here, once: `load_all` gives the
registry, every valid item and every finding (files unchanged since the last
run come from the local cache, cache.py); `load_item` reads one item by id;
`validate_paths` is what `sqmy validate` checks. What an item file must
satisfy is validate.py's; this module decides which files are read and how.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import cache, journal, officefiles, schema, tools
from . import registry as registry_mod
from .errors import Refused, SqmyError
from .findings import Finding, error
from .items import Item, Journal, pack
from .paths import Repo
from .registry import Registry
from .validate import Context, check_content, duplicate_ids

MAX_ITEM_BYTES = 512 * 1024  # a long item is a few thousand characters: far more is a file made to exhaust memory

Progress = Callable[[int], None]


# --- one file ----------------------------------------------------------------


class NotRegularItem(Exception):
    """An item path, or a folder on the way to it, that is a link or a special file."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(str(path))
        self.path = path
        self.mode = mode

    def describe(self, shown: str) -> str:
        """The finding's message, in the words of registry.not_regular_message."""
        if stat.S_ISLNK(self.mode) and os.path.isdir(self.path):
            return f"文件夹 {shown} 是符号链接：sqmy 不跟随链接，其中的信息没有读取；请改为普通文件夹"
        kind = next((name for test, name in _KINDS if test(self.mode)), "特殊文件")
        return f"{shown} 不是普通文件（是{kind}）：sqmy 不跟随链接，也不读取特殊文件；请改为普通文件"


class ItemTooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


_KINDS = ((stat.S_ISLNK, "符号链接"), (stat.S_ISDIR, "文件夹"), (stat.S_ISFIFO, "命名管道（FIFO）"), (stat.S_ISSOCK, "套接字"),
          (stat.S_ISCHR, "设备文件"), (stat.S_ISBLK, "设备文件"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


# folders seen to be real folders in this process: 10,000 items cost two lstats, not 20,000.  (A folder
# made a link later is listed as a link by item_files, which then lists nothing inside it.)
_REAL_FOLDERS: set[str] = set()


@functools.lru_cache(maxsize=16)
def _root_spellings(root: str) -> tuple[str, ...]:
    """The repository root as written and with its links resolved: a path may use either."""
    return tuple(dict.fromkeys((os.path.abspath(root), os.path.realpath(root))))


def read_item(path: Path, root: Path | None = None) -> bytes:
    """The bytes of an item file.

    Refused without being opened (NotRegularItem, ItemTooLarge) when it is a
    symbolic link, a folder, a FIFO, socket or device, or too large, and when a
    folder between the repository `root` and it is a link: nothing outside the
    repository is read through a link, and a FIFO cannot stall a run."""
    if root is not None:
        full = os.path.abspath(path)
        for base in _root_spellings(str(root)):
            if full.startswith(base + os.sep):
                folder = base
                for part in full[len(base) + 1 :].split(os.sep)[:-1]:
                    folder = os.path.join(folder, part)
                    if folder not in _REAL_FOLDERS:
                        mode = os.lstat(folder).st_mode
                        if not stat.S_ISDIR(mode):
                            raise NotRegularItem(Path(folder), mode)
                        _REAL_FOLDERS.add(folder)
                break
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularItem(path, st.st_mode)
    if st.st_size > MAX_ITEM_BYTES:
        raise ItemTooLarge(st.st_size)
    fd = os.open(path, _OPEN_FLAGS)  # no following and no waiting, should it have become a link or a FIFO since
    with os.fdopen(fd, "rb", buffering=0) as handle:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise NotRegularItem(path, opened.st_mode)
        raw = handle.read(opened.st_size + 1) or b""  # sized like the file: no 512 KiB buffer for every item
        if len(raw) > opened.st_size:  # it grew since
            raw += handle.read(MAX_ITEM_BYTES + 1 - len(raw)) or b""
    if len(raw) > MAX_ITEM_BYTES:
        raise ItemTooLarge(len(raw))
    return raw


def check_item(ctx: Context, path: Path) -> tuple[Item | None, list[Finding]]:
    """Read and check one item file; the Item only when it has no error (see _read_and_check)."""
    item, found, _ = _read_and_check(ctx, path)
    return item, found


def blob_id(raw: bytes) -> str:
    """The id Git gives this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def _read_and_check(ctx: Context, path: Path) -> tuple[Item | None, list[Finding], str]:
    """Read and check one item file: the Item only when it has no error, the findings, and the blob id of
    the content read ('' when nothing was read). Links and special files are refused without being opened (see read_item)."""
    rel = ctx.repo.relative(path)
    shown = ctx.repo.display(path)
    try:
        raw = read_item(path, ctx.repo.root)
    except NotRegularItem as exc:
        return None, [error(shown if exc.path == path else ctx.repo.display(exc.path), 1, "not-regular-file", exc.describe(ctx.repo.display(exc.path)))], ""
    except ItemTooLarge as exc:
        return None, [error(shown, 1, "too-large", f"信息文件 {shown} 有 {exc.size // 1024} KB，超过 {MAX_ITEM_BYTES // 1024} KB，不予读取")], ""
    except OSError as exc:
        return None, [error(shown, 1, "unreadable", f"无法读取文件：{exc.strerror or exc}")], ""
    return (*check_content(ctx, path, rel, raw, shown), blob_id(raw))


# --- the walk ----------------------------------------------------------------


def item_files(repo: Repo, top: Path | None = None) -> list[Path]:
    """Every item file under items/, sorted; and every symbolic link or special file there.

    Links (to files or to folders) are listed, never followed, and special files
    (FIFOs, sockets, devices) are listed whatever their name: check_item refuses
    them with a `not-regular-file` finding, so every command that reads items
    reports them.  Other files (not .md) are not items and are left out.
    `top` walks another folder instead of items/ (validate given a folder)."""
    top = top if top is not None else repo.items_dir
    try:
        mode = os.lstat(top).st_mode
    except OSError:
        return []
    if stat.S_ISLNK(mode):
        return [top]
    if not stat.S_ISDIR(mode):
        return []
    found: list[str] = []  # sorted as text: comparing 10,000 Paths costs more than listing them
    folders = [str(top)]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # an unreadable folder: nothing to list
        for entry in entries:
            if entry.is_symlink():
                found.append(entry.path)
            elif entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.name.endswith(".md") or not entry.is_file(follow_symlinks=False):
                found.append(entry.path)
    return [Path(p) for p in sorted(found, key=lambda p: p.split(os.sep))]


# --- many files --------------------------------------------------------------

_WORKER: Context | None = None


def _init_worker(ctx: Context) -> None:
    global _WORKER
    _WORKER = ctx


def _entry(today: dt.date, item: Item | None, found: list[Finding], blob: str) -> cache.Entry:
    packed = pack(item) if item is not None else None
    return cache.Entry(blob, found, item.journal if item is not None else None, packed, today, item is not None)


def _check_chunk(paths: list[str]) -> list[cache.Entry]:
    assert _WORKER is not None
    # an Item crosses back packed (items.pack: cheaper than pickling it); the parent unpacks only what its command uses
    return [_entry(_WORKER.today, *_read_and_check(_WORKER, Path(p))) for p in paths]


PARALLEL_THRESHOLD = 1500


def check_items(ctx: Context, paths: Sequence[Path], progress: Progress | None = None) -> list[cache.Entry]:
    """Check many item files, on every core when there are enough of them: one cache entry each."""
    workers = int(os.environ.get("SQMY_JOBS") or min(os.cpu_count() or 1, 8))
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        results = []
        for path in paths:
            results.append(_entry(ctx.today, *_read_and_check(ctx, path)))
            if progress:
                progress(1)
        return results
    size = max(100, len(paths) // (workers * 8))
    chunks = [[str(p) for p in paths[i : i + size]] for i in range(0, len(paths), size)]
    results = []
    schema.prepare("item")  # compiled once, before the workers are forked
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(ctx,)) as pool:
        for chunk_result in pool.map(_check_chunk, chunks):
            results.extend(chunk_result)
            if progress:
                progress(len(chunk_result))
    return results


def _index_blobs(repo: Repo) -> dict[str, str]:
    """Blob ids of the item files Git knows and that are unchanged since (path inside the repository -> blob);
    empty when the office is not a Git repository."""
    try:
        listed = tools.run("git", ["git", "ls-files", "-s", "-z", "--", "items"], cwd=repo.root)
        changed = tools.run("git", ["git", "diff-files", "--name-only", "--relative", "-z", "--", "items"], cwd=repo.root)
    except SqmyError:
        return {}
    blobs = {}
    for record in listed.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, rel = record.partition("\t")
        mode, blob, stage = [*meta.split(" "), "", "", ""][:3]
        if mode in ("100644", "100755") and stage == "0":
            blobs[rel] = blob
    for rel in changed.decode("utf-8", "surrogateescape").split("\0"):
        blobs.pop(rel, None)
    return blobs


def _relative(repo: Repo, path: Path) -> str | None:
    """`path` inside the repository, POSIX; None when it is outside (string work: no resolving 10,000 paths)."""
    root = str(repo.root) + os.sep
    full = str(path)
    if not full.startswith(root):  # given relative, or with `..` in it
        full = os.path.abspath(full)
    return full[len(root) :].replace(os.sep, "/") if full.startswith(root) else None


def checked_entries(repo: Repo, ctx: Context, paths: Sequence[Path], progress: Progress | None = None,
                    items: bool = True) -> list[cache.Entry]:
    """A cache entry for each of `paths`: from the cache when the file still holds what was checked, else checked now.

    What a file holds is its Git blob id: from the index for files Git knows unchanged, else hashed here.
    The cache is rewritten with what was checked now (and keeps every other file's entry).
    `items=False`: entries from the cache come without their items (cache.read), for findings alone."""
    use_cache = cache.enabled()
    key = cache.key(repo) if use_cache else ""
    stored = cache.read(repo, key, items) if use_cache else {}
    rels = [_relative(repo, p) for p in paths]
    known = _index_blobs(repo) if stored else {}
    found: list[cache.Entry | None] = []
    for path, rel in zip(paths, rels, strict=True):
        entry = stored.get(rel) if rel is not None else None
        if entry is not None and not (entry.blob and entry.holds_on(ctx.today)):
            entry = None
        if entry is not None:
            blob = known.get(rel) if rel is not None else None
            if blob is None:  # not known to Git, or changed since: what does it hold now?
                try:
                    blob = blob_id(read_item(path, repo.root))
                except (NotRegularItem, ItemTooLarge, OSError):
                    blob = None
            if blob != entry.blob:
                entry = None
        found.append(entry)
    if progress and any(e is not None for e in found):
        progress(sum(1 for e in found if e is not None))
    stale = [p for p, e in zip(paths, found, strict=True) if e is None]
    fresh = iter(check_items(ctx, stale, progress))
    entries = [e if e is not None else next(fresh) for e in found]
    if use_cache and stale:
        updated = dict(stored)
        updated.update({rel: e for rel, e in zip(rels, entries, strict=True) if rel is not None and e.blob})
        cache.write(repo, key, updated)
    return entries


# --- the repository ----------------------------------------------------------


@dataclass
class Loaded:
    """Everything read from a repository in one pass."""

    registry: Registry
    items: list[Item]
    findings: list[Finding]
    issues: frozenset[journal.Key] = frozenset()  # every journal issue (year, number) valid items are in, `only` or not


@contextlib.contextmanager
def cycle_collection_paused(*, freeze: bool = False) -> Iterator[None]:
    """Python's cycle collector paused while many objects are made and none are dropped: it would go through them
    all again and again for cycles there are none of.  `freeze`: what exists at the end is left out of collections
    (gc.freeze; still freed when no longer used) until the caller's gc.unfreeze()."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was:
            gc.enable()


def load_all(repo: Repo, today: dt.date, progress: Progress | None = None, only: Callable[[Journal], bool] | None = None) -> Loaded:
    """The registry and every valid item of `repo`, with all findings.

    Files unchanged since the last run come from the local cache (cache.py). `only`: of the items, load just those in
    a journal issue it accepts (one issue's document needs no other); every file is still checked, and its findings
    and its issue are in the result.
    """
    registry, findings = registry_mod.load(repo)
    paths = item_files(repo)
    items, journals = [], []
    with cycle_collection_paused():
        for path, entry in zip(paths, checked_entries(repo, Context(repo, registry, today), paths, progress), strict=True):
            findings.extend(entry.findings)
            if entry.journal is not None:  # set for a valid item only (_entry)
                journals.append((path, entry.journal))
            if only is not None and (entry.journal is None or not only(entry.journal)):
                continue
            item = entry.load()
            if item is not None:
                items.append(item)
    findings.extend(duplicate_ids(repo, paths))
    findings.extend(journal.collisions(repo, journals))
    return Loaded(registry, items, findings, frozenset((j.year, j.issue) for _, j in journals))


def item_path(repo: Repo, item_id: str) -> Path:
    if not (len(item_id) > 4 and item_id[:4].isdigit()):
        raise Refused("unknown-item", f"编号“{item_id}”格式不对：应以四位年份开头")
    return repo.items_dir / item_id[:4] / f"{item_id}.md"


def load_item(repo: Repo, reg: Registry, item_id: str, today: dt.date) -> Item:
    path = item_path(repo, item_id)
    if not path.is_file():
        raise Refused("unknown-item", f"找不到信息 {item_id}（应在 {repo.display(path)}）")
    item, findings = check_item(Context(repo, reg, today), path)
    if item is None:
        first = next(f for f in findings if f.severity == "error")
        raise Refused("invalid-item", f"信息 {item_id} 有错误，请先修正：{first.text()}")
    return item


def validate_paths(repo: Repo, targets: Sequence[Path], today: dt.date, progress: Progress | None = None) -> tuple[list[Finding], int]:
    """Findings for `targets` (files or folders; empty = the whole repository) and the number of files checked."""
    registry, registry_findings = registry_mod.load(repo)
    units_dir = (repo.root / "units").resolve()
    all_items = not targets
    item_paths: list[Path] = []
    registry_files: set[str] = set()
    for target in targets:
        resolved = target.resolve()
        if not target.exists():
            raise SqmyError(f"路径不存在：{target}")
        if resolved == repo.root.resolve():
            all_items = True
            registry_files.update(repo.display(p) for p in registry_mod.iter_files(repo))
        elif resolved == units_dir or units_dir in resolved.parents:
            chosen = registry_mod.iter_files(repo) if target.is_dir() else [target]
            registry_files.update(repo.display(p) for p in chosen)
        elif target.is_dir():
            item_paths.extend(item_files(repo, target))  # links listed, never followed
        else:
            item_paths.append(target)
    if all_items:
        item_paths = item_files(repo)
        registry_files.update(repo.display(p) for p in registry_mod.iter_files(repo))
    # a broken registry makes every reference check doubtful: always show it
    findings = [f for f in registry_findings if f.path in registry_files or f.severity == "error"]
    results = checked_entries(repo, Context(repo, registry, today), item_paths, progress, items=False)
    for entry in results:
        findings.extend(entry.findings)
    if all_items:
        findings.extend(journal.collisions(repo, zip(item_paths, (e.journal for e in results), strict=True)))
        findings.extend(officefiles.check(repo))  # what `build`, `new` and `docx` read besides items and the registry
    others: list[Path] = []
    if not all_items:
        checked = {p.resolve() for p in item_paths}
        others = [p for p in item_files(repo) if p.resolve() not in checked]
    findings.extend(duplicate_ids(repo, item_paths, others))
    findings.sort(key=lambda f: (f.path, f.line, f.rule))
    return findings, len(item_paths) + len(registry_files)
