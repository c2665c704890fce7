from __future__ import annotations

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
