from __future__ import annotations

import time

import pytest

from sqmy import yamlsrc


def test_yaml11_surprises_keep_what_was_typed() -> None:
    doc = yamlsrc.load("a: no\nb: on\nc: 010\nd: 12:30\ne: 2025-03-14\nf: 1e3\ng: 0x1F\nh: .5\ni: 0.5\n")
    assert doc.errors == []
    assert doc.data == {"a": "no", "b": "on", "c": "010", "d": "12:30", "e": "2025-03-14", "f": "1e3", "g": "0x1F", "h": ".5", "i": 0.5}


def test_core_types_still_resolve() -> None:
    doc = yamlsrc.load("a: true\nb: False\nc: 12\nd: -3\ne: null\nf: ~\ng:\nh: [1, x]\n")
    assert doc.data == {"a": True, "b": False, "c": 12, "d": -3, "e": None, "f": None, "g": None, "h": [1, "x"]}


def test_keys_are_text() -> None:
    assert yamlsrc.load("2025: 3\nno: 1\n").data == {"2025": 3, "no": 1}


def test_duplicate_key_reported_at_its_line() -> None:
    doc = yamlsrc.load("a: 1\nb: 2\na: 3\n")
    assert [(e.line, e.rule) for e in doc.errors] == [(2, "duplicate-key")]


def test_fullwidth_colon_is_mended_and_reported() -> None:
    doc = yamlsrc.load("title： 关于\nunit: x\n")
    assert doc.data == {"title": "关于", "unit": "x"}
    assert [(e.line, e.rule) for e in doc.errors] == [(0, "fullwidth-colon")]
    assert "title: " in doc.errors[0].message


def test_tab_indent_is_mended_and_reported() -> None:
    doc = yamlsrc.load("authors:\n\t- a\n\t- b\n")
    assert doc.data == {"authors": ["a", "b"]}
    assert [(e.line, e.rule) for e in doc.errors] == [(1, "tab-indent"), (2, "tab-indent")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: [x, y\nc: 2\n", 1),  # unclosed bracket: the line where it opened
        ('a: 1\nb: "open\nc: 2\n', 1),  # unclosed quote
        ("a: 1\nb: c: d\n", 1),  # a colon inside an unquoted value
        ("a: 1\n  b: 2\n", 1),  # bad indentation
    ],
)
def test_syntax_error_line(text: str, line: int) -> None:
    doc = yamlsrc.load(text)
    assert doc.data is None
    assert [(e.line, e.rule) for e in doc.errors] == [(line, "yaml-syntax")]
    assert doc.errors[0].message.startswith("YAML 语法错误")


def test_line_of_nested_paths() -> None:
    doc = yamlsrc.load("a: 1\nlist:\n  - {x: 1}\n  - x: 2\n    y: 3\n")
    assert doc.line_of(["a"]) == 0
    assert doc.line_of(["list", 1, "y"]) == 4
    assert doc.line_of(["list", 0, "x"]) == 2
    assert doc.line_of(["missing"]) == 0


def test_decode_bom_and_crlf() -> None:
    assert yamlsrc.decode(b"\xef\xbb\xbf---\r\na: 1\r\n---\r\n") == "---\na: 1\n---\n"
    with pytest.raises(UnicodeDecodeError):
        yamlsrc.decode("关于".encode("gbk"))


def test_split_front_matter() -> None:
    split = yamlsrc.split_front_matter("---\na: 1\n---\nbody\n")
    assert (split.front, split.front_start, split.body, split.body_start, split.error) == ("a: 1", 1, "body\n", 3, None)
    assert yamlsrc.split_front_matter("a: 1\n").error is not None
    unclosed = yamlsrc.split_front_matter("---\na: 1\nbody\n")
    assert unclosed.front is None
    assert unclosed.error is not None
    assert "没有结束" in unclosed.error.message


# --- hostile input: every one a finding with its line, nothing raised, nothing expanded ----------------


def _bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["哈"] * width) + "]"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * width) + "]")
    return "title: 关于\n" + "\n".join(lines) + "\n"


def test_alias_bomb_refused_before_it_is_expanded() -> None:
    text = _bomb(30)  # 9**30 values if expanded: only refusing in time lets this test finish
    assert len(text) < 2000
    started = time.perf_counter()
    doc = yamlsrc.load(text)
    assert time.perf_counter() - started < 1
    assert doc.data is None
    assert [(e.line, e.rule) for e in doc.errors] == [(1, "yaml-alias")]
    assert "锚点“&a0”" in doc.errors[0].message


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        ("a: 1\nb: &x 2\n", 1, "锚点“&x”"),  # an anchor alone: never needed either
        ("a: 1\nb:\n  - *x\n", 2, "别名“*x”"),  # an alias with no anchor
        ("a: 1\nb: [1, &y {c: 2}]\n", 1, "锚点“&y”"),
        ("a: &" + "n" * 500 + " 1\n", 0, "锚点“&" + "n" * 20 + "…”"),  # long names are cut
    ],
)
def test_anchors_and_aliases_are_findings(text: str, line: int, shown: str) -> None:
    doc = yamlsrc.load(text)
    assert doc.data is None
    assert [(e.line, e.rule) for e in doc.errors] == [(line, "yaml-alias")]
    assert shown in doc.errors[0].message


def test_ampersand_and_star_in_text_are_just_text() -> None:
    doc = yamlsrc.load("title: 研发 & 生产 * 2\nb: 'a&b'\n")
    assert doc.errors == []
    assert doc.data == {"title": "研发 & 生产 * 2", "b": "a&b"}


def test_nesting_up_to_the_limit_and_no_further() -> None:
    inner = yamlsrc.MAX_DEPTH - 1  # the top-level mapping is the first level
    assert yamlsrc.load("a: " + "[" * inner + "]" * inner + "\n").errors == []
    deeper = yamlsrc.load("a: 1\nb: " + "[" * (inner + 1) + "]" * (inner + 1) + "\n")
    assert deeper.data is None
    assert [(e.line, e.rule) for e in deeper.errors] == [(1, "yaml-depth")]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",  # a RecursionError without a limit
        "a: " + "[" * 10_000 + "\n",  # and never closed
        "a: " + "{b: " * 5_000 + "1" + "}" * 5_000 + "\n",
        "- " * 5_000 + "x\n",  # block lists nest too
        "a:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, 60)),
    ],
)
def test_deep_nesting_is_a_finding(text: str) -> None:
    doc = yamlsrc.load(text)
    assert doc.data is None
    assert [e.rule for e in doc.errors] == ["yaml-depth"]


def test_long_numbers_are_findings_not_crashes() -> None:
    doc = yamlsrc.load("a: 1\nb: " + "9" * 5_000 + "\nc: 0." + "1" * 5_000 + "\nd: " + "7" * 20 + "\n")
    assert [(e.line, e.rule) for e in doc.errors] == [(1, "yaml-number"), (2, "yaml-number")]
    assert "5000 位" in doc.errors[0].message
    assert doc.data["d"] == int("7" * 20)  # long, but a number Python reads


def test_tags_are_never_constructed() -> None:
    text = (
        "a: !!python/object/apply:os.system ['echo hi']\n"
        "b: !!python/name:os.system\n"
        "c: !!binary aGk=\n"
        "d: !custom {x: 1}\n"
        "e: !!int abc\n"
        "f: !!bool maybe\n"
        "g: !!str 010\n"
    )
    doc = yamlsrc.load(text)
    assert doc.data == {"a": ["echo hi"], "b": "", "c": "aGk=", "d": {"x": 1}, "e": "abc", "f": "maybe", "g": "010"}
    # the YAML core tags (!!int, !!bool, !!str) are harmless: what they cannot read stays text
    assert [(e.line, e.rule) for e in doc.errors] == [(0, "yaml-tag"), (1, "yaml-tag"), (2, "yaml-tag"), (3, "yaml-tag")]
    assert "“!!python/object/apply:os.system”" in doc.errors[0].message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: x\x00y\n", 1),  # NUL
        ("a: 1\nb: \x07\n", 1),  # a control character
        ("a: \ufffe\n", 0),  # a non-character
    ],
)
def test_control_characters_are_findings(text: str, line: int) -> None:
    doc = yamlsrc.load(text)
    assert doc.data is None
    assert [(e.line, e.rule) for e in doc.errors] == [(line, "yaml-syntax")]
    assert "控制字符" in doc.errors[0].message


def test_nothing_raises() -> None:
    hostile = [
        "a: 1\nb: \ud800\n",  # a lone surrogate (not from a file, but load is public)
        "a: &x\nb: \ud800\n",
        "? [a]\n: 1\n",  # a key that is a list
        "a: *\n",
        "&a [*a]\n",  # an alias inside its own anchor
        "a: !!float " + "9" * 400 + ".0\n",
        "\t\t: ：\n",
        "",
        "---\n---\n",  # two documents
    ]
    for text in hostile:
        doc = yamlsrc.load(text)
        assert doc.data is None or isinstance(doc.data, dict | list | str), text
        assert all(e.message for e in doc.errors)


def test_texts_are_every_text_value_but_digests() -> None:
    doc = yamlsrc.load("title: 标题\nn: 12\nreviews:\n  - {stage: 初审, digest: 'sha256:13812345678', experts: [a, b]}\n"
               "notes:\n  - 甲\n  - {x: {y: 深处}}\nflag: true\n")
    assert sorted(doc.texts) == sorted(["标题", "初审", "a", "b", "甲", "深处"])
    assert "sha256:13812345678" not in doc.texts  # a digest is hex, not a number anybody wrote
    assert yamlsrc.load("a: [unclosed").texts == ()


def test_a_colon_in_the_text_of_a_block_is_text() -> None:
    """第二段：… in a `|` or `>` block is a sentence of the text, not a key typed with a full-width colon; below the block
    such a key is still found."""
    doc = yamlsrc.load("items:\n  - title: 甲\n    body: |\n      第一段：内容\n\n      第二段：更多\n    ref：x\n  - body: >-\n      标题：正文\n")
    assert doc.data == {"items": [{"title": "甲", "body": "第一段：内容\n\n第二段：更多\n", "ref": "x"}, {"body": "标题：正文"}]}
    assert [(e.line, e.rule) for e in doc.errors] == [(6, "fullwidth-colon")]
