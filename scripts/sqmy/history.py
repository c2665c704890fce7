"""Each item's review and record commits, read from Git in one pass.

Review commits carry `Review-Item`, record commits `Record-Item` (sqmy
review, the bridge, sqmy record and sqmy journal write them), so one
`git log` without diffs finds every step of every item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .errors import SqmyError
from .gitio import Git
from .paths import Repo
from .protocol import REVIEW_FORGE, step_items


@dataclass(frozen=True)
class Step:
    sha: str
    date: str  # YYYY-MM-DD in the author's time zone
    author: str
    subject: str
    forge: str  # the forge review a bridge commit mirrors, or ""


def timelines(repo: Repo) -> dict[str, list[Step]]:
    """item id -> its review and record commits, oldest first; empty outside a Git repository."""
    try:
        with Git(repo.root) as git:
            if git.head() is None:
                return {}
            commits = git.log(["HEAD"])
    except SqmyError:
        return {}
    found: dict[str, list[Step]] = defaultdict(list)
    for c in commits:
        ids = step_items(c.trailers)
        if not ids:
            continue
        step = Step(c.sha, c.author_date.isoformat(), c.author_name, c.subject, c.trailers.get(REVIEW_FORGE, ""))
        for item_id in ids:
            found[item_id].append(step)
    return dict(found)
