"""Files generated from the registry: CODEOWNERS and Git's allowed-signers file.

`units/` is the one source of truth for who reviews what; these files are
derived from it, and `sqmy generate --check` fails when they are stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .fsutil import write_text
from .paths import Repo
from .protocol import allowed_signers
from .registry import Registry

CODEOWNERS = Path(".github") / "CODEOWNERS"
ALLOWED_SIGNERS = Path(".github") / "allowed_signers"
HEADER = "# 由 sqmy 根据 units/ 生成，请勿手工修改；改名册后运行 sqmy generate。"


def _owners(reg: Registry, role: str, day: dt.date) -> str:
    logins = sorted({f"@{p.github}" for p in reg.holders(role, day) if p.github})
    return " ".join(logins)


def codeowners(reg: Registry, day: dt.date) -> str:
    """Who GitHub asks for review: 初审 reviewers for items, the office for everything else."""
    office = _owners(reg, schema.OFFICE, day)
    first = _owners(reg, schema.FIRST, day)
    lines = [HEADER, "# 信息由初审人员先审；名册、规则、模板和工作流由办公室负责。"]
    if office:
        lines.append(f"* {office}")
    if first:
        lines.append(f"/items/ {first}")
    if office:
        lines += [f"/units/ {office}", f"/templates/ {office}", f"/.github/ {office}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Generated:
    path: Path
    text: str


def files(repo: Repo, reg: Registry, day: dt.date) -> list[Generated]:
    return [
        Generated(repo.root / CODEOWNERS, codeowners(reg, day)),
        Generated(repo.root / ALLOWED_SIGNERS, allowed_signers(reg, HEADER)),
    ]


def stale(generated: list[Generated]) -> list[Generated]:
    return [g for g in generated if not g.path.is_file() or g.path.read_text("utf-8") != g.text]


def write(generated: list[Generated]) -> list[Generated]:
    changed = stale(generated)
    for g in changed:
        write_text(g.path, g.text)
    return changed
