"""The issue form 提交社情民意信息: members who never use Git submit a report on the forge's web page.

`files(reg, day, forge)` writes the form in the syntax of each forge:

- GitHub issue forms (`.github/ISSUE_TEMPLATE/sqmy.yml`): types markdown, input,
  textarea, dropdown, checkboxes; `validations: {required}`; a file dropped into a
  textarea becomes a link to github.com/user-attachments.
- Gitea and Forgejo (`.gitea/ISSUE_TEMPLATE/sqmy.yaml`, among the folders Gitea reads:
  ISSUE_TEMPLATE, .gitea/, .github/, .gitlab/ ISSUE_TEMPLATE, upper or lower case):
  the same syntax, as modules/issue/template/template.go of Gitea validates it
  (every field but markdown has an id of letters, digits, "-" and "_", unique;
  dropdown options are strings; inputs may have `validations: is_number, regex`);
  attachments go to the issue's own attachment area (the issue's `assets`).

Gitea renders a submitted form as `### 标签` and the value (`_No response_` when
empty), exactly as GitHub does; `sqmy intake` (intake/issue.py) reads it back by
these labels, so the labels live here and nowhere else.

Dropdown options come from the registry: units (units/units.yml), categories and
focuses (units/topics.yml), the year's key topics; sources from the item schema.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from . import schema
from .registry import Registry

FORM_NAME = "提交社情民意信息"
# the labels the parser reads back (intake/issue.py): change one, and old issues still parse by the other names
TITLE, REPORTERS, UNIT, CATEGORY, FOCUS, KEY_TOPIC, SOURCE, PHONE, BODY, WORD = (
    "标题", "反映人", "报送单位", "选题类别", "选题重点", "年度重点选题", "信息来源", "联系电话", "正文", "Word 文件",
)
NO_KEY_TOPIC = "不属于年度重点选题"
PATHS = {
    "github": Path(".github") / "ISSUE_TEMPLATE" / "sqmy.yml",
    "gitea": Path(".gitea") / "ISSUE_TEMPLATE" / "sqmy.yaml",
    # Forgejo looks in .forgejo/ first, then .gitea/, .github/ and docs/ (forgejo.org/docs/latest/user/issue-pull-request-templates)
    "forgejo": Path(".forgejo") / "ISSUE_TEMPLATE" / "sqmy.yaml",
}
PHONE_NOTE = "可不填。供办公室联系核实，登记在内部名册中，不写进信息；本栏和议题的其他内容一样，能看到本议题的人都能看到，公开的仓库中请不要填写"
PHONE_REGEX = r"^[0-9０-９+＋()（）\- ]{7,24}$"


def key_topic_option(title: str, topic_id: str) -> str:
    return f"{title}（{topic_id}）"


def form(reg: Registry, day: dt.date, forge: str) -> dict[str, Any]:
    """The form as data, for `forge` (github, gitea or forgejo)."""
    gitea = forge != "github"
    units = [u.name for u in sorted(reg.units.values(), key=lambda u: u.id)]
    topics = [key_topic_option(t.title, t.id) for t in reg.key_topics.get(day.year, {}).values()]
    word_note = (
        "有 Word 文件的，把 .docx 文件拖进下面“Word 文件”一栏（正文一栏可以不填），正文以 Word 文件为准。"
        if not gitea else
        "有 Word 文件的，用本页下方的“附件”上传 .docx 文件（正文一栏可以不填），正文以 Word 文件为准。"
    )
    body: list[dict[str, Any]] = [
        {"type": "markdown", "attributes": {"value": (
            "请按栏目填写。提交后，信息会自动整理成一条待初审的社情民意信息，并在本页回复审核链接和查重结果。\n\n"
            f"{word_note}\n\n"
            "**本页内容，能看到本议题的人都能看到**：请不要在正文中写手机号、身份证号等个人信息；"
            "联系电话只登记在办公室的内部名册中，不写进信息，也不在回复中出现。")}},
        _input("title", TITLE, "标题一般为“关于……的建议”", "关于……的建议", required=True),
        _input("reporters", REPORTERS, "姓名，与委员名册一致；几位合写的用顿号分开，第一位为第一反映人", "张三、李四", required=True),
        _dropdown("unit", UNIT, "报送单位（所在的界别、联络组或部门）", units, required=True),
        _dropdown("category", CATEGORY, "选题类别", list(reg.categories), required=True),
        _dropdown("focus", FOCUS, "“国之大者”“民之关切”“政之要务”之一", list(reg.focuses), required=True),
    ]
    if topics:
        body.append(_dropdown("key_topic", KEY_TOPIC, f"{day.year}年度重点选题清单中的题目；不是的选“{NO_KEY_TOPIC}”", [NO_KEY_TOPIC, *topics]))
    body += [
        _dropdown("source", SOURCE, "信息从哪里来", list(schema.SOURCES), required=True),
        _input("phone", PHONE, PHONE_NOTE, "13800000000", regex=PHONE_REGEX if gitea else None),
        {"type": "textarea", "id": "body", "attributes": {
            "label": BODY, "description": "情况、问题、原因分析、意见建议；可用“一、”“（一）”分段。上传了 Word 文件的可以不填",
            "placeholder": "一、基本情况\n……\n二、存在问题\n……\n三、意见建议\n……"},
         "validations": {"required": False}},
    ]
    if not gitea:
        body.append({"type": "textarea", "id": "word", "attributes": {
            "label": WORD, "description": "可不填：把 .docx 文件拖到这里上传（只读第一个 .docx 文件）"},
            "validations": {"required": False}})
    data: dict[str, Any] = {
        "name": FORM_NAME,
        ("about" if gitea else "description"): "委员和信息员在网页上提交社情民意信息，不用 Git",
        "title": "社情民意信息：",
        "labels": ["社情民意信息"],
        "body": body,
    }
    return data


def _input(field_id: str, label: str, description: str, placeholder: str, *, required: bool = False, regex: str | None = None) -> dict[str, Any]:
    validations: dict[str, Any] = {"required": required}
    if regex:
        validations["regex"] = regex
    return {"type": "input", "id": field_id, "attributes": {"label": label, "description": description, "placeholder": placeholder},
            "validations": validations}


def _dropdown(field_id: str, label: str, description: str, options: list[str], *, required: bool = False) -> dict[str, Any]:
    return {"type": "dropdown", "id": field_id, "attributes": {"label": label, "description": description, "options": options},
            "validations": {"required": required}}


def render(data: dict[str, Any]) -> str:
    from .generate import HEADER  # noqa: PLC0415 - generate imports this module when it runs

    head = HEADER + "\n"
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def files(reg: Registry, day: dt.date, forge: str) -> list[tuple[Path, str]]:
    """(path relative to the office root, text) of the form for `forge`."""
    if forge not in PATHS:
        raise ValueError(forge)
    return [(PATHS[forge], render(form(reg, day, forge)))]
