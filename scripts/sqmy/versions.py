"""Which blob a path has at a commit, from the history the audit has already read.

A merge must account for every item path its branch touched, with each parent's version of it. Asking Git
(`cat-file --batch-check REV:PATH`) costs a walk through the commit's trees for each question, and the year
folder's tree grows with the office: at 10,000 items the 26,000 questions of a whole-history audit took
4 s, a third of everything the audit reads. The audit already has, for every commit in its range, the files
it changed against its first parent (`diff-tree --root`, so a root commit lists all its files). A path's
version at a commit is the new side of the first change to it on the commit's first-parent line, walking
back; on the trusted line (the head's first-parent chain) that is one binary search in the path's changes.

The answer is None, and the caller asks Git, whenever the range does not hold it: the line does not reach a
root commit (an audit --since, or one continuing a proof), a walk leaves the range, or the path is also a
folder somewhere in the history (Git would name a tree there, which the changes of files do not show).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

from .gitio import Change
from .lineage import History

MAX_WALK = 10_000  # first-parent steps off the trusted line before asking Git instead


class Versions:
    def __init__(self, history: History, changes: Mapping[str, tuple[Change, ...]]) -> None:
        self.history, self.changes = history, changes
        line = history.chain()
        self.position = {sha: n for n, sha in enumerate(line)}
        # from the start of the line: a root commit lists every file, so a path it never changed is absent
        self.from_root = bool(line) and line[0] in history.by_sha and not history.by_sha[line[0]].parents
        self.on_line: dict[str, tuple[list[int], list[str]]] = {}
        for n, sha in enumerate(line):
            for ch in changes.get(sha, ()):
                positions, blobs = self.on_line.setdefault(ch.path, ([], []))
                positions.append(n)
                blobs.append(ch.new)
        self.folders: set[str] = set()
        for found in changes.values():
            for ch in found:
                parts = ch.path.split("/")
                self.folders.update("/".join(parts[:n]) for n in range(1, len(parts)))
        self._by_path: dict[str, dict[str, Change]] = {}

    def blob(self, sha: str, path: str) -> str | None:
        """The blob id of `path` at commit `sha` ('' when absent there), or None when Git must be asked."""
        if path in self.folders:
            return None
        for _ in range(MAX_WALK):
            if sha in self.position:
                positions, blobs = self.on_line.get(path, ([], []))
                at = bisect.bisect_right(positions, self.position[sha])
                if at:
                    return blobs[at - 1]
                return "" if self.from_root else None
            commit = self.history.by_sha.get(sha)
            if commit is None:  # outside the range read
                return None
            changed = self._changed(sha).get(path)
            if changed is not None:
                return changed.new
            if not commit.parents:  # a root commit lists every file it has
                return ""
            sha = commit.parents[0]
        return None

    def _changed(self, sha: str) -> dict[str, Change]:
        found = self._by_path.get(sha)
        if found is None:
            found = self._by_path[sha] = {ch.path: ch for ch in self.changes.get(sha, ())}
        return found
