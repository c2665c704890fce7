"""Every audit rule has a Chinese name, shown beside it in the text people read; JSON keeps the names alone."""

from __future__ import annotations

import re
from pathlib import Path

from sqmy import audit, chain

from .gitoffice import Office
from .test_audit import entry

SOURCE = Path(audit.__file__).read_text("utf-8")
CHAIN = Path(chain.__file__).read_text("utf-8")


def test_every_rule_the_audit_can_flag_has_a_chinese_name() -> None:
    flagged = set(re.findall(r'flag\([^,]+, [^,]+, "([a-z-]+)"', SOURCE)) | set(re.findall(r'return "([a-z-]+)", ', CHAIN))
    assert len(flagged) > 30
    assert flagged - set(audit.RULE_LABELS) == set()
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", label) for label in audit.RULE_LABELS.values())


def test_the_text_shows_the_chinese_name_and_json_the_rule(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    sha = o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)
    assert [v["rule"] for v in o.audit()] == ["review-not-by-tool"]
    text = o.sqmy("li-chu", "audit").stdout
    assert f"{item} {sha[:10]} [审核记录不是逐条追加·review-not-by-tool] " in text
