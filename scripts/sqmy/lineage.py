"""The shape of the audited history: which registry judges each commit, and when it was made.

A commit is judged against the registry (units/) as it stood on the trusted
line *before* the commit entered it, never against the registry of its own
branch and never against today's.  The trusted line is the first-parent
chain of the audited revision (main): a commit on it enters by itself; a
commit of a merged branch enters with the merge that brought it in, so it is
judged by main's registry just before that merge.  With `--since BASE` the
audited commits are a proposed change to BASE (a pull request): all of them
enter together and are judged by BASE's registry.

The first commit that creates the registry is judged by the registry it
creates (there is no earlier one); a registry is read from Git objects, never
from the working tree, and cached by the id of its tree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import registry as registry_mod
from .errors import SqmyError
from .findings import Finding
from .gitio import REGULAR_MODES, Change, Commit, Git
from .registry import NotRegular, Registry

UNITS = "units/"
_NO_REGISTRY = ""


@dataclass(frozen=True)
class Entry:
    """Where a commit entered the trusted line, and the registry that judges it."""

    point: str  # the chain commit it entered with ('' for the whole --since range)
    units: str  # id of the units/ tree that judges it ('' when there was none)
    genesis: bool = False  # it creates the first registry and is judged by it


class TreeSource:
    """units/ as it is in one Git tree: symbolic links and submodules are refused, never followed."""

    def __init__(self, git: Git, tree: str) -> None:
        self.git = git
        self.entries = git.tree_entries(tree) if tree else {}

    def read(self, name: str) -> bytes | None:
        found = self.entries.get(name)
        if found is None:
            return None
        mode, sha = found
        if mode not in REGULAR_MODES:
            raise NotRegular(name)
        if self.git.object_size(sha) > registry_mod.MAX_BYTES:
            raise ValueError(name)
        return self.git.blob(sha)

    def shown(self, name: str) -> str:
        return f"units/{name}"


class Registries:
    """Registries read from Git trees, each once."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self._by_tree: dict[str, tuple[Registry, list[Finding]]] = {}

    def units_tree(self, rev: str) -> str:
        """The id of `units/` at commit `rev` ('' when it has no registry)."""
        if not rev:
            return _NO_REGISTRY
        tree = self.git.object_id(f"{rev}:units")
        if not tree or self.git.object_type(tree) != "tree" or not self.git.object_id(f"{rev}:units/office.yml"):
            return _NO_REGISTRY  # none, or units/ is a link or a file: no registry to judge by
        return tree

    def load(self, tree: str) -> tuple[Registry, list[Finding]]:
        found = self._by_tree.get(tree)
        if found is None:
            found = self._by_tree[tree] = registry_mod.load_from(TreeSource(self.git, tree))
        return found

    def get(self, tree: str) -> Registry:
        return self.load(tree)[0]


@dataclass
class History:
    """The audited commits, oldest first, with the parents and dates each check needs."""

    commits: list[Commit]
    since: str | None  # the base of a --since range (resolved), or None for the whole history
    head: str
    after: str | None = None  # a whole-history audit that leaves out what an earlier audit proved up to this commit
    by_sha: dict[str, Commit] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    outside_dates: dict[str, dt.date] = field(default_factory=dict)  # parents outside the range -> committer date
    changes: dict[str, tuple[Change, ...]] = field(default_factory=dict)  # commit -> files it changed (merges: against the first parent)

    def __post_init__(self) -> None:
        self.by_sha = {c.sha: c for c in self.commits}

    def chain(self) -> list[str]:
        """The first-parent line from the head back to the start of the range, oldest first."""
        line: list[str] = []
        sha: str | None = self.head
        while sha is not None and sha in self.by_sha:
            line.append(sha)
            parents = self.by_sha[sha].parents
            sha = parents[0] if parents else None
        line.reverse()
        return line

    def continues(self, proven: str) -> bool:
        """The range starts right after `proven` on the first-parent line (so the trusted line runs through it)."""
        if not self.commits:
            return self.head == proven
        line = self.chain()
        return bool(line) and self.by_sha[line[0]].parents[:1] == (proven,)

    def entering(self) -> dict[str, list[str]]:
        """entry point -> the commits entering the trusted line with it, oldest first."""
        groups: dict[str, list[str]] = {}
        position = {c.sha: i for i, c in enumerate(self.commits)}
        for sha, entry in self.entries.items():
            groups.setdefault(entry.point, []).append(sha)
        for members in groups.values():
            members.sort(key=position.__getitem__)
        return groups


def read(git: Git, registries: Registries, since: str | None, rev: str, jobs: int = 1, after: str | None = None) -> History:
    """The commits of `rev` (after `since`, if given), what each changed, and the registry that judges each.

    `after` (a commit already audited, on the first-parent line of `rev`) leaves out its history but,
    unlike `since`, judges the rest as a whole-history audit would: the trusted line runs on through it.
    """
    head = git.resolve(rev)
    base = git.resolve(since) if since else None
    revs = [f"{base}..{head}"] if base else [head, f"^{after}"] if after else [head]
    # the tree diffs (the long part) start at once, beside the log that reads the commits themselves
    with ThreadPoolExecutor(1) as pool:
        log = pool.submit(git.log, revs)
        listed = git.run("rev-list", *revs).split()
        changes = git.changes(listed, jobs)
        commits = log.result()
    if {c.sha for c in commits} != set(listed):  # a commit whose changes were never read would pass unaudited
        raise SqmyError("读取历史时两次列出的提交不一致，无法审计：请确认审计期间没有人修改这个信息库后重试")
    history = History(commits, base, head, after=after)
    history.changes = changes
    if base is not None:
        tree = registries.units_tree(base)
        for c in commits:  # a proposed change to BASE: all of it is judged by BASE's registry
            history.entries[c.sha] = Entry("", tree, genesis=not tree)
        if not tree:  # no registry at the base: each commit can only be judged by what it brings
            history.entries.update({c.sha: Entry("", registries.units_tree(c.sha), genesis=True) for c in commits})
    else:
        _assign_entries(history, registries)
    missing = {p for c in commits for p in c.parents if p not in history.by_sha}
    if missing:
        history.outside_dates.update(git.committer_dates(sorted(missing)))
    return history


def _assign_entries(history: History, registries: Registries) -> None:
    by_sha = history.by_sha
    chain = history.chain()
    oldest = by_sha[chain[0]] if chain else None
    current = registries.units_tree(oldest.parents[0]) if oldest is not None and oldest.parents else _NO_REGISTRY
    for point in chain:  # the registry before each chain commit changes only where a chain commit changed units/
        commit = by_sha[point]
        changed_units = touches((ch.path for ch in history.changes.get(point, ())), UNITS) or any(
            ch.path == UNITS.rstrip("/") for ch in history.changes.get(point, ()))
        after = registries.units_tree(point) if changed_units or not current else current
        entry = Entry(point, current) if current else Entry(point, after, genesis=True)
        current = after
        history.entries[point] = entry
        stack = list(commit.parents[1:])
        while stack:
            sha = stack.pop()
            if sha in history.entries or sha not in by_sha:
                continue
            history.entries[sha] = entry
            stack.extend(by_sha[sha].parents)


def touches(paths: Iterable[str], prefix: str) -> bool:
    return any(p.startswith(prefix) for p in paths)

