"""intake/body.py: pandoc's Markdown made fit for an item, phone and ID numbers taken out."""

from __future__ import annotations

import pytest

from sqmy.intake.body import clean_markdown, is_numbered, strip_personal

PHONE = "13812345678"
ID_NUMBER = "110101199003071234"


def test_clean_markdown() -> None:
    pandoc = (
        "[]{#_GoBack}![](media/image1.png){width=\"2in\"}情况[说明]{.underline}。\n\n"
        "# 一、存在的问题 {#section .unnumbered}\n\n"
        "**（一）**\u200b**设施不足**\n\n"
        "一、加强统筹。由县民政局牵头。\n\n"
        "二、意见建议\n\n"
        "-   甲\n\n-   乙\n\n1.  丙\n\n2.  丁\n\n"
        "第一行\\\n第二行\n"
    )
    text, warnings = clean_markdown(pandoc)
    assert text == (
        "情况说明。\n\n## 一、存在的问题\n\n### （一）\u200b设施不足\n\n一、加强统筹。由县民政局牵头。\n\n"
        "## 二、意见建议\n\n-   甲\n-   乙\n\n1. 丙\n2. 丁\n\n第一行\n\n第二行\n"
    )
    assert warnings == ["文件中的 1 张图片未导入（信息正文只收文字；需要时请另附）"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("一、存在的问题", True), ("（一）设施不足", True), ("(二) 资金", True), ("1. 甲", False), ("一是加强统筹", False)],
)
def test_is_numbered(text: str, expected: bool) -> None:
    assert is_numbered(text) is expected


def test_strip_personal() -> None:
    text, found = strip_personal(f"请拨 {PHONE} 或 0571-88886666 或 139 0000 0001，证件 {ID_NUMBER}。日期 20251231，金额 12345678901 元")
    assert PHONE not in text
    assert "88886666" not in text
    assert ID_NUMBER not in text
    assert "139 0000 0001" not in text
    assert found == ["手机号码（138****5678）", "固定电话（057*****6666）", "手机号码（139****0001）", "身份证号码（110***********1234）"]
    assert "12345678901" in text  # not a mobile number (no 1[3-9] prefix): left alone
    assert "20251231" in text


def test_strip_personal_every_way_of_writing() -> None:
    """The forms personal.py knows are all removed; amounts, dates and ids stay."""
    written = (
        "甲 +86 139 1234 5678；乙 １３９１２３４５６７８；丙（0571）8765 4321；丁 010-6552 9988；"
        "戊 110101 19900307 123X；己 0086-138-0000-0002。2025年3月14日投入 12345678元，见 2025-0314-zhangwei-1。"
    )
    text, found = strip_personal(written)
    assert found == [
        "手机号码（139****5678）", "手机号码（139****5678）", "固定电话（057*****4321）", "固定电话（010****9988）",
        "身份证号码（110***********123X）", "手机号码（138****0002）",
    ]
    assert text == (
        "甲 （号码已删除）；乙 （号码已删除）；丙（号码已删除）；丁 （号码已删除）；"
        "戊 （号码已删除）；己 （号码已删除）。2025年3月14日投入 12345678元，见 2025-0314-zhangwei-1。"
    )
