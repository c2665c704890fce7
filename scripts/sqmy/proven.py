"""What an earlier `sqmy audit` of the whole history already proved, kept by commit id.

Auditing `main` after one more merge should not read ten years again. After a
whole-history audit, the result is kept for its head commit: the violations
found (before waivers), how much was checked, and for every item path the
journal issue of its last version (the one check that spans all items). The
next audit of a head whose first-parent line passes through a kept head audits
only the commits since, judged exactly as a whole audit would judge them (the
registry that judges each comes from the trusted line, which runs through the
kept head), and adds what was kept. The output says how many commits were
taken from the earlier audit.

Trust: the kept results live in the user's own cache folder (never in the
repository, where a pull request could place a forged one) and are used only
by the same sqmy code (a fingerprint of the package's source) and only for a
head that is an ancestor on the first-parent line, which Git checks from the
commit ids themselves. A history rewritten since simply finds nothing kept.
A result with a commit dated in the future is not kept: that finding depends
on the day of the audit. `SQMY_NO_CACHE=1` turns this off.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import cache
from .fsutil import write_text
from .paths import Repo

FORMAT = 1
KEEP = 8  # heads kept per repository: main and a few branches audited in turn
MAX_BYTES = 256 << 20


@dataclass
class Proof:
    """A whole-history audit of `head`, as far as a later audit needs it."""

    head: str
    commits: int
    counts: dict[str, int]  # changes, merges, reviews, imported, registry_changes, signatures
    violations: list[dict[str, str]]  # in report order, before waivers, without the checks made anew each time
    # item path -> [year, issue, token] of its last version (or None), the commit that set it, its order
    journals: dict[str, list[Any]] = field(default_factory=dict)


@functools.cache
def fingerprint() -> str:
    """The package's own source: a result is reused only by the code that proved it."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json", ".lua") and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file(repo: Repo) -> Path:
    where = hashlib.sha256(str(repo.root.resolve()).encode()).hexdigest()[:24]
    return cache.user_folder() / "audit" / f"{where}.json"


def enabled() -> bool:
    return cache.enabled()


def read(repo: Repo) -> list[Proof]:
    """The kept audits of `repo` by this code, newest first; nothing when there are none or they cannot be read."""
    if not enabled():
        return []
    try:
        path = _file(repo)
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return []
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT or data.get("code") != fingerprint():
            return []
        return [Proof(**p) for p in data["proofs"]]
    except (OSError, ValueError, TypeError, KeyError, RuntimeError):
        return []  # a damaged cache proves nothing: audit everything


def write(repo: Repo, proof: Proof) -> None:
    """Keep `proof` (replacing one of the same head), with the most recent others."""
    if not enabled():
        return
    kept = [p for p in read(repo) if p.head != proof.head][: KEEP - 1]
    text = json.dumps({"format": FORMAT, "code": fingerprint(), "proofs": [asdict(p) for p in [proof, *kept]]}, ensure_ascii=False)
    with contextlib.suppress(OSError, RuntimeError):  # no cache folder to write to: the next audit reads everything again
        write_text(_file(repo), text)

