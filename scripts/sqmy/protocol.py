"""What sqmy writes into Git so that history can prove a step: commit trailers, dates and signers.

A review commit (`sqmy review`, the review bridge) carries `Review-*` trailers
naming item, stage, decision, reviewer and digest; a record commit (`sqmy
record`, `sqmy journal`) carries `Record-*` trailers. The audit recognises a
step made by the tool by these, and `history.timelines` finds every step of an
item by them without reading a diff. Git's allowed-signers file, which
verifies the SSH signatures of those commits, is written from the registry.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from .registry import Registry

REVIEW_ITEM = "Review-Item"
REVIEW_FORGE = "Review-Forge"  # the pull request a review was given on (the bridge)
FORWARDED_BUNDLE = "Forwarded-Bundle"  # the bundle a commit of `sqmy receive` took a forwarded report from
REVIEW_DUPLICATE = "Review-Duplicate"  # the reviewer's 查重结论, when the review gives one
RECORD_ITEM = "Record-Item"


def review_trailers(item_id: str, stage: str, decision: str, by: str, digest: str) -> dict[str, str]:
    """The trailers of a review commit: how the audit recognises a review made by the tool."""
    return {REVIEW_ITEM: item_id, "Review-Stage": stage, "Review-Decision": decision, "Review-By": by, "Review-Digest": digest}


def review_message(
    item_id: str, title: str, stage: str, decision: str, by: str, digest: str, comment: str = "", forge: str | None = None, duplicate: str = "",
) -> str:
    """The commit message of a review."""
    lines = [f"{stage} {decision}{'（' + duplicate + '）' if duplicate else ''}：{title}", ""]
    if comment:
        lines += [comment, ""]
    lines += [f"{key}: {value}" for key, value in review_trailers(item_id, stage, decision, by, digest).items()]
    if duplicate:
        lines.append(f"{REVIEW_DUPLICATE}: {duplicate}")
    if forge:
        lines.append(f"{REVIEW_FORGE}: {forge}")
    return "\n".join(lines) + "\n"


def record_message(subject: str, item_ids: list[str], kind: str, by: str) -> str:
    """The commit message of a record (outcome or journal): one commit may record several items."""
    return f"{subject}\n\n{RECORD_ITEM}: {', '.join(item_ids)}\nRecord-Kind: {kind}\nRecord-By: {by}\n"


def step_items(trailers: Mapping[str, str]) -> list[str]:
    """The items a commit is a review or record step of (none for any other commit)."""
    ids = trailers.get(REVIEW_ITEM) or trailers.get(RECORD_ITEM)
    return [i.strip() for i in ids.split(",")] if ids else []


def commit_env(today: dt.date) -> dict[str, str]:
    """Commit dates that agree with a pinned SQMY_TODAY (tests, reports dated by hand)."""
    if not os.environ.get("SQMY_TODAY"):
        return {}
    stamp = f"{today.isoformat()}T12:00:00+08:00"
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}


def allowed_signers(reg: Registry, header: str = "# allowed signers for git, from units/people.yml") -> str:
    """Git's allowed-signers file from the registry: one line per registered SSH key."""
    lines = [header]
    for person in reg.people.values():
        if person.ssh_key:
            lines.append(f'{person.email} namespaces="git" {person.ssh_key}')
    if reg.office.bridge_email and reg.office.bridge_ssh_key:
        lines.append(f'{reg.office.bridge_email} namespaces="git" {reg.office.bridge_ssh_key}')
    return "\n".join(lines) + "\n"
