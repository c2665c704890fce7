"""查重 in an office: `sqmy similar`, the reviewer's 查重结论, the required check's `--since`, warnings and the kept index.

Real Git offices (the sample office), real commands; the reports are made by
tests/test_similar.py's generator: a source report and a light rewrite of it
are 疑似重复, every other report of the office has text of its own.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import docx
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sqmy import bridge, likeness
from sqmy.cli import main
from sqmy.dates import today
from sqmy.load import load_all
from sqmy.paths import Repo

from .conftest import REPO
from .gitoffice import Office
from .test_similar import light, report

SOURCE = report(random.Random(7), "老旧小区加装电梯", chars=900)
REWRITE = light(SOURCE, random.Random(8))
UPSTREAM = """name: 市政协2025年采用的社情民意信息
level: 市政协
year: 2025
items:
  - title: 关于加强社区停车管理的几点建议
    date: 2025-05-06
    origin: 某某县政协
  - title: 老旧小区改造后续管护问题亟待解决
    ref: 《社情民意信息》第12期
"""


def with_body(o: Office, person: str, title: str, body: str) -> str:
    """A new item of `person` whose body is `body`, committed."""
    item = o.new_item(person, title)
    path = o.path(item)
    head, _ = path.read_text("utf-8").rsplit("---\n", 1)
    path.write_text(head + "---\n" + body, "utf-8")
    o.commit_all(person, f"正文：{title}")
    return item


@pytest.fixture
def pair(git_office: Office) -> tuple[Office, str, str]:
    """An office holding a report on main and, on a branch, a light rewrite of it by someone else."""
    o = git_office
    source = with_body(o, "li-chu", "关于老旧小区改造的建议", SOURCE.body.replace("。", "。|", 1))  # a pipe: Markdown must not break
    o.git("checkout", "-q", "-b", "item/rewrite")
    rewrite = with_body(o, "zhang-wei", "关于老旧小区改造的几点建议", REWRITE.body)
    return o, source, rewrite


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_similar_shows_a_rewrite_with_its_passages_side_by_side(pair: tuple[Office, str, str]) -> None:
    o, source, rewrite = pair
    code, out, _ = run("similar", rewrite)
    assert code == 0
    assert f"【疑似重复】{source}" in out
    assert "本篇：" in out
    assert "对方：" in out
    code, out, _ = run("similar", rewrite, "--format", "json")
    assert code == 0, out
    found = json.loads(out)[0]
    assert found["subject"] == rewrite
    assert found["duplicate"] is True
    best = found["found"][0]
    assert best["id"] == source
    assert best["verdict"] == "疑似重复"
    assert best["score"] >= 0.8
    assert best["shared"]
    assert best["shared_chars"] >= 13 * len(best["shared"])
    rewrite_body = o.path(rewrite).read_text("utf-8")
    source_body = o.path(source).read_text("utf-8")
    for shared in best["shared"]:  # shown as each report writes it: punctuation and all
        ours, theirs = shared["ours"][1], shared["theirs"][1]
        assert "……（略" in ours or ours in rewrite_body
        assert "……（略" in theirs or theirs in source_body
    assert any("，" in s["ours"][1] for s in best["shared"])
    # the item itself is never its own match; an unrelated text has none
    assert all(f["id"] != rewrite for f in found["found"])
    code, out, _ = run("similar", "--text", "完全无关的一段文字，讲的是别的事情，没有任何共同之处。", "--format", "json")
    assert code == 0, out
    assert json.loads(out)[0]["found"] == []


def test_markdown_keeps_its_table_whatever_the_text_holds(pair: tuple[Office, str, str]) -> None:
    _, source, rewrite = pair
    code, out, _ = run("similar", source, "--format", "md")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| …")]
    assert rows
    for row in rows:  # two cells: a pipe of the text is escaped, never a column of its own
        assert row.replace("\\|", "").count("|") == 3
    assert "\\|" in out
    assert f"| **疑似重复** | {rewrite} " in out  # the source's rewrite, found the other way round


def test_a_file_and_text_are_compared_and_sources_chosen(pair: tuple[Office, str, str], tmp_path: Path) -> None:
    o, source, rewrite = pair
    draft = tmp_path / "草稿.md"
    draft.write_text(REWRITE.body, "utf-8")
    code, out, _ = run("similar", str(draft), "--format", "json")
    assert code == 0, out
    found = json.loads(out)[0]["found"]
    assert [f["id"] for f in found[:2]] == [rewrite, source]  # a draft is no item: the rewrite it copies is found first
    assert found[0]["score"] == 1.0
    (o.root / "upstream").mkdir()
    (o.root / "upstream" / "市政协-2025.yml").write_text(UPSTREAM, "utf-8")
    code, out, _ = run("similar", str(draft), "--title", "老旧小区改造后续管护亟待加强", "--against", "upstream", "--format", "json")
    assert code == 0, out
    found = json.loads(out)[0]["found"]
    assert [f["id"] for f in found] == ["upstream/市政协-2025.yml#2"]
    assert found[0]["verdict"] == "题目相近"
    assert found[0]["score"] is None
    assert "《社情民意信息》第12期" in found[0]["facts"]
    _code, out, _ = run("similar", str(draft), "--title", "老旧小区改造后续管护亟待加强", "--against", "archive", "--format", "json")
    assert {f["source"] for f in json.loads(out)[0]["found"]} == {"archive"}


def test_lists_come_from_the_trusted_checkout(pair: tuple[Office, str, str], tmp_path: Path) -> None:
    o, source, rewrite = pair
    base = tmp_path / "base"
    o.git("worktree", "add", "-q", str(base), "main")
    (base / "upstream").mkdir()
    (base / "upstream" / "市政协-2025.yml").write_text(UPSTREAM, "utf-8")
    (o.root / "upstream").mkdir()  # the pull request's own list: data, never what it is checked against
    (o.root / "upstream" / "市政协-2025.yml").write_text(UPSTREAM.replace("社区停车管理", "别的事情"), "utf-8")
    code, out, _ = run("--rules-from", str(base), "similar", "--text", "一段文字", "--title", "关于加强社区停车管理的建议", "--format", "json")
    assert code == 0, out
    assert [f["id"] for f in json.loads(out)[0]["found"]] == ["upstream/市政协-2025.yml#1"]
    # the archive is the base's too: the pull request's rewrite is checked against main, not against itself
    _code, out, _ = run("--rules-from", str(base), "similar", rewrite, "--format", "json")
    assert json.loads(out)[0]["found"][0]["id"] == source


def test_a_duplicate_is_passed_only_with_the_reviewers_decision(pair: tuple[Office, str, str]) -> None:
    o, source, rewrite = pair
    refused = o.review("li-chu", rewrite, "初审", "通过")
    assert refused.exit_code == 1, refused.output
    assert "疑似重复" in refused.stderr
    assert source in refused.stderr
    assert "非重复" in refused.stderr
    bare = o.review("li-chu", rewrite, "初审", "通过", "--duplicate", "非重复")
    assert bare.exit_code == 1
    assert "理由" in bare.stderr
    contradiction = o.review("li-chu", rewrite, "初审", "通过", "--duplicate", "重复", "--comment", "与旧稿雷同")
    assert contradiction.exit_code == 1
    done = o.review("li-chu", rewrite, "初审", "通过", "--duplicate", "非重复", "--comment", "侧重后续管护，与前稿角度不同")
    assert done.exit_code == 0, done.output
    entry = o.data(rewrite)["reviews"][-1]  # type: ignore[index]
    assert entry["duplicate"] == "非重复"
    assert "Review-Duplicate: 非重复" in o.git("log", "-1", "--format=%B")
    # the next reviewer of the same text need not say it again
    assert o.review("zhao-fu", rewrite, "复审", "通过").exit_code == 0
    assert o.audit() == []
    code, out, _ = run("status", rewrite, "--format", "json")
    assert code == 0, out
    status = json.loads(out)
    assert status["similar"][0]["id"] == source
    assert status["reviews"][0]["duplicate"] == "非重复"
    _code, out, _ = run("status", rewrite)
    assert f"查重：【疑似重复】{source}" in out
    assert "通过（非重复）" in out


def test_the_audit_knows_a_decision_the_tool_did_not_write(pair: tuple[Office, str, str]) -> None:
    o, _, rewrite = pair
    entry = {"stage": "初审", "by": "li-chu", "decision": "通过", "date": "2026-11-28", "digest": o.digest(rewrite),
             "comment": "不重复", "duplicate": "非重复"}
    o.forge_review("li-chu", rewrite, entry)  # the tool's trailers, but not the one naming the decision
    rules = {f["rule"] for f in o.audit()}
    assert "review-not-by-tool" in rules


def test_the_audit_refuses_a_pass_judged_a_duplicate(pair: tuple[Office, str, str]) -> None:
    o, _, rewrite = pair
    entry = {"stage": "初审", "by": "li-chu", "decision": "通过", "date": "2026-11-28", "digest": o.digest(rewrite), "duplicate": "重复"}
    o.forge_review("li-chu", rewrite, entry)
    messages = [f["message"] for f in o.audit() if f["rule"] == "review-shape"]
    assert any("重复" in m for m in messages)


def test_the_required_check_fails_a_duplicate_passed_without_a_decision(pair: tuple[Office, str, str]) -> None:
    o, source, rewrite = pair
    entry = {"stage": "初审", "by": "li-chu", "decision": "通过", "date": "2026-11-28", "digest": o.digest(rewrite)}
    o.forge_review("li-chu", rewrite, entry)  # as the tool wrote it before the report it copies was on main: no decision
    code, out, _ = run("similar", "--since", "main", "--format", "md")
    assert code == 1
    assert f"### 查重：{rewrite}" in out
    assert source in out
    assert "没有查重结论" in out
    done = o.review("zhao-fu", rewrite, "复审", "通过", "--duplicate", "非重复", "--comment", "经核，角度不同")
    assert done.exit_code == 0, done.output
    code, out, _ = run("similar", "--since", "main")
    assert code == 0, out
    assert "疑似重复" in out
    o.git("checkout", "-q", "main")
    code, out, _ = run("similar", "--since", "main")
    assert (code, out.strip()) == (0, "没有改动的信息需要查重。")


def test_slash_commands_and_buttons_carry_the_decision() -> None:
    assert bridge.parse_command("/初审 通过 非重复 侧重点不同") == bridge.Command("初审", "通过", comment="侧重点不同", duplicate="非重复")
    command = bridge.parse_command("/审定 通过 直报 参阅 非重复 已核")
    assert command is not None
    assert (command.routes, command.duplicate, command.comment) == (("直报", "参阅"), "非重复", "已核")
    command = bridge.parse_command("/复审 退回修改 重复 与前稿雷同")
    assert command is not None
    assert (command.duplicate, command.comment) == ("重复", "与前稿雷同")
    command = bridge.parse_command("/初审 通过 理由写在前面 非重复")  # only right after the decision: a word of the reason is a reason
    assert command is not None
    assert command.duplicate == ""
    assert bridge._button_words("非重复 角度不同") == ("非重复", "角度不同")
    assert bridge._button_words("写得好") == ("", "写得好")


def test_the_index_keeps_counts_by_content_and_ignores_a_cache_it_did_not_sign(pair: tuple[Office, str, str]) -> None:
    o, _, rewrite = pair
    repo = Repo(o.root)
    (o.root / likeness.CACHE_FILE).unlink()  # made by `sqmy new` (its warnings): start afresh
    loaded = load_all(repo, today())
    first = likeness.build(repo, loaded.registry, loaded.items, today())
    again = likeness.build(repo, loaded.registry, loaded.items, today())
    assert first.counted == len(loaded.items)
    assert again.counted == 0
    assert again.index.scores(REWRITE.body).tolist() == first.index.scores(REWRITE.body).tolist()
    path = o.path(rewrite)
    path.write_text(path.read_text("utf-8") + "\n补充一段新的内容。\n", "utf-8")
    changed = load_all(repo, today())
    assert likeness.build(repo, changed.registry, changed.items, today()).counted == 1
    kept = o.root / likeness.CACHE_FILE
    kept.write_bytes(b"sqmy-cache\n" + b"\0" * 32 + kept.read_bytes()[43:])  # a forged signature: never unpickled
    assert likeness.build(repo, changed.registry, changed.items, today()).counted == len(changed.items)
    shutil.rmtree(o.root / ".sqmy")
    kept.parent.parent.mkdir()
    kept.parent.symlink_to(o.root / "items")  # a cache folder that is a link is not used
    assert likeness.build(repo, changed.registry, changed.items, today()).counted == len(changed.items)
    assert not (o.root / "items" / "similar.pickle").exists()


def test_new_and_import_warn_of_reports_already_written_or_adopted(git_office: Office) -> None:
    o = git_office
    (o.root / "upstream").mkdir()
    (o.root / "upstream" / "市政协-2025.yml").write_text(UPSTREAM, "utf-8")
    result = o.sqmy("zhang-wei", "new", "--title", "关于加强社区停车管理的建议", "--author", "zhang-wei", "--category", "社区管理",
                    "--focus", "民之关切", "--source", "群众反映")
    assert result.exit_code == 0
    assert "上级已采用过题目相近的信息" in result.stderr
    assert "市政协2025年采用的社情民意信息" in result.stderr
    result = o.sqmy("zhang-wei", "new", "--title", "关于规范犬只管理的建议", "--author", "zhang-wei", "--category", "社区管理",
                    "--focus", "民之关切", "--source", "群众反映")
    assert result.exit_code == 0
    assert "查重" not in result.stderr


def test_import_warns_of_a_report_already_written(pair: tuple[Office, str, str], tmp_path: Path) -> None:
    o, source, _ = pair
    o.git("checkout", "-q", "main")
    document = docx.Document()
    document.add_paragraph("关于老旧小区加装电梯的再建议", style="Title")
    for paragraph in REWRITE.body.split("\n\n"):
        if not paragraph.startswith("##"):
            document.add_paragraph(paragraph)
    document.add_paragraph("反映人：张薇（县政协委员）")
    document.add_paragraph("单位：城关联络组")
    path = tmp_path / "再建议.docx"
    document.save(str(path))
    result = o.sqmy("li-chu", "import", str(path), "--category", "社区管理")
    assert result.exit_code == 0, result.output
    assert f"查重：与 {source}" in result.stderr
    assert "疑似重复" in result.stderr


def test_every_item_at_once_is_every_item_checked(pair: tuple[Office, str, str]) -> None:
    """The archive's pages check all items at once (Corpus.check_many): the same reports, scores and verdicts as `check`."""
    o, source, rewrite = pair
    (o.root / "upstream").mkdir()
    (o.root / "upstream" / "市政协-2025.yml").write_text(UPSTREAM, "utf-8")
    repo = Repo(o.root)
    loaded = load_all(repo, today())
    corpus = likeness.build(repo, loaded.registry, loaded.items, today())
    ids = [i.id for i in loaded.items]
    at_once = corpus.check_many(ids)
    for item in loaded.items:
        one = corpus.check(item.body, item.title, [item.id], evidence=False)
        assert [(f.id, f.score, f.verdict, f.facts) for f in at_once[item.id]] == [(f.id, f.score, f.verdict, f.facts) for f in one]
    assert [f.id for f in at_once[rewrite]][:1] == [source]
    assert any(f.source == "upstream" for found in at_once.values() for f in found)


def test_a_siblings_export_is_compared_with_and_checked_first(git_office: Office, tmp_path: Path) -> None:
    """横向沟通: a sibling county's `sqmy export --bodies` placed in siblings/<office>/ is compared with, texts and all;
    a file that does not match its export.json is not read."""
    o = git_office
    folder = o.root / "siblings" / "丹凤县政协"
    made = CliRunner().invoke(main, ["--root", str(REPO), "export", "--bodies", "-o", str(folder)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    row = pq.read_table(folder / "items.parquet").to_pylist()[0]
    code, out, err = run("similar", "--text", row["body"], "--title", row["title"], "--against", "siblings", "--format", "json")
    assert code == 0, err
    best = json.loads(out)[0]["found"][0]
    assert (best["id"], best["source"], best["verdict"]) == (f"siblings/丹凤县政协/{row['id']}", "siblings", "疑似重复")
    assert best["label"] == f"丹凤县政协 {row['id']}"
    data = bytearray((folder / "items.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "items.parquet").write_bytes(bytes(data))
    code, out, err = run("similar", "--text", row["body"], "--against", "siblings", "--format", "json")
    assert json.loads(out)[0]["found"] == []
    assert "校验值与 export.json 不符" in err
