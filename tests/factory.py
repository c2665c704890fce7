"""Items written straight into an office, for tests of what is computed from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqmy.frontmatter import FrontMatter
from sqmy.items import content_digest

BODY = "情况和问题。\n\n## 意见建议\n\n具体建议。\n"
REVIEWERS = {"初审": "li-chu", "复审": "zhao-fu", "审定": "chen-shen"}


def write_item(
    root: Path, n: int, day: dt.date, *, authors: tuple[str, ...] = ("zhang-wei",), unit: str = "chengguan-lianluozu",
    decided: str | None = "通过", routes: tuple[str, ...] = (), source: str = "委员调研", **outcomes: Any,
) -> str:
    """An imported item submitted on `day`: approved (decided="通过"), rejected ("不予上报") or pending (None)."""
    item_id = f"{day.year}-{day:%m%d}-t-{n}"
    title = f"关于第{n}件事的建议"
    digest = content_digest(title, BODY)
    fm = FrontMatter("---\n---\n")
    for key, value in {
        "id": item_id, "title": title, "authors": list(authors), "unit": unit, "submitted": day.isoformat(),
        "category": "社区管理", "focus": "民之关切", "source": source, "audience": "内部",
        "imported": {"date": "2026-11-27"},
    }.items():
        fm.set(key, value)
    when = (day + dt.timedelta(days=3)).isoformat()
    if decided == "通过":
        for stage, person in REVIEWERS.items():
            fm.append("reviews", {"stage": stage, "by": person, "decision": "通过", "date": when, "digest": digest})
        fm.set("routes", list(routes))
        for key, value in outcomes.items():
            fm.set(key, value)
    elif decided:
        fm.append("reviews", {"stage": "初审", "by": "li-chu", "decision": decided, "date": when, "digest": digest})
    path = root / "items" / str(day.year) / f"{item_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fm.text() + "\n" + BODY, "utf-8")
    return item_id
