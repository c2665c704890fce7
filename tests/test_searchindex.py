"""The character-pair search index: what is indexed for a text, and the search document of an item."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from sqmy.site import searchindex


def test_han_text_gives_every_character_and_every_pair() -> None:
    assert list(searchindex.tokens("老旧小区")) == ["老", "旧", "小", "区", "老旧", "旧小", "小区"]


def test_punctuation_ends_a_run_and_latin_words_stay_whole() -> None:
    assert list(searchindex.tokens("GDP增长8%，电梯")) == ["gdp", "增", "长", "增长", "8", "电", "梯", "电梯"]


def test_full_width_letters_and_digits_are_folded() -> None:
    assert list(searchindex.tokens("ＧＤＰ１２３")) == ["gdp123"]


def test_plain_text_drops_markdown_marks() -> None:
    body = "## 一、存在的问题\n\n（一）**设施**老化。\n\n- 第一条\n1. 第二条\n\n[链接](http://x)"
    assert searchindex.plain(body) == "一、存在的问题 （一）设施老化。 第一条 第二条 链接"


def test_search_document_indexes_tokens_and_carries_metadata() -> None:
    doc = searchindex.document('关于"电梯"的建议', "城关 · 2026-01-08 · 已采用", "加装电梯。", ["林志远"])
    assert '<html lang="en">' in doc  # a language Pagefind does not cut into words
    body = re.search(r"<main data-pagefind-body>(.*)</main>", doc).group(1)  # type: ignore[union-attr]
    words = body.split()
    assert words.count("电梯") == searchindex.TITLE_WEIGHT + 1  # the title's pairs weigh more
    assert "加装" in words
    assert "林志远" not in words  # names are indexed as pairs, like everything else
    assert "志远" in words
    assert 'data-pagefind-meta="title:关于&quot;电梯&quot;的建议"' in doc
    assert 'data-pagefind-meta="text:加装电梯。"' in doc


def test_item_text_cannot_forge_another_field_of_a_result(tmp_path: Path) -> None:
    """Pagefind's metadata attributes: a title or text that looks like `, facts:…` stays in its own field, as text."""
    title = '关于<img src=x onerror="alert(1)">, facts:伪造状态的建议'
    doc = searchindex.document(title, "城关 · 2026-01-08 · 转办中", "正文, title:伪造标题, facts:伪造 <b>粗</b>", [])
    assert searchindex.build([("items/2026/x/", doc)], tmp_path) == 1
    (fragment,) = (tmp_path / "_pagefind" / "fragment").iterdir()
    data = gzip.decompress(fragment.read_bytes()).decode("utf-8")
    meta = json.loads(data[data.index("{"):])["meta"]
    assert meta["title"] == title
    assert meta["facts"] == "城关 · 2026-01-08 · 转办中"
    assert meta["text"] == "正文, title:伪造标题, facts:伪造 <b>粗</b>"


def _pages(index: Path) -> int:
    """How many pages a Pagefind bundle holds (its entry file counts them by language)."""
    entry = json.loads((index / "pagefind-entry.json").read_text("utf-8"))
    return sum(language["page_count"] for language in entry["languages"].values())


def test_a_large_index_is_made_in_parts_the_search_page_is_told_of(tmp_path: Path) -> None:
    documents = [(f"items/2026/x{n}/", searchindex.document(f"关于{n}号小区的建议", "城关", f"正文{n}", [])) for n in range(5)]
    assert searchindex.build(documents, tmp_path / "parts", part=2) == 5
    index = tmp_path / "parts" / "_pagefind"
    assert json.loads((index / searchindex.PARTS_FILE).read_text("utf-8")) == {"parts": ["parts/1/", "parts/2/"]}
    assert [_pages(index), _pages(index / "parts" / "1"), _pages(index / "parts" / "2")] == [2, 2, 1]
    # as many as a part holds, or fewer: one index, and the search page told there are no others
    for count in (2, 1):
        site = tmp_path / f"whole-{count}"
        assert searchindex.build(documents[:count], site, part=2) == count
        assert json.loads((site / "_pagefind" / searchindex.PARTS_FILE).read_text("utf-8")) == {"parts": []}
        assert _pages(site / "_pagefind") == count
        assert not (site / "_pagefind" / "parts").exists()
    # nothing to index (a new office): Pagefind would refuse; the search page is told there is no index
    assert searchindex.build([], tmp_path / "empty") == 0
    assert [p.name for p in (tmp_path / "empty" / "_pagefind").iterdir()] == [searchindex.PARTS_FILE]
    assert json.loads((tmp_path / "empty" / "_pagefind" / searchindex.PARTS_FILE).read_text("utf-8")) == {"parts": [], "empty": True}
