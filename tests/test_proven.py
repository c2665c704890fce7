"""Re-auditing after new commits continues an earlier whole-history audit and finds exactly what a fresh one finds."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sqmy import proven
from sqmy.cli import main
from sqmy.paths import Repo

from .gitoffice import Office
from .test_trust import approved, entry, head


def audit(o: Office, *, fresh: bool = False) -> tuple[list[dict[str, str]], str]:
    """(violations as JSON, the text output's lines on what was audited); the text comes from the first of the two runs."""
    with pytest.MonkeyPatch.context() as mp:
        if fresh:
            mp.setenv("SQMY_NO_CACHE", "1")
        runner = CliRunner()
        as_text = runner.invoke(main, ["audit"], catch_exceptions=False)
        as_json = runner.invoke(main, ["audit", "--format", "json"], catch_exceptions=False)
    assert as_json.exit_code in (0, 1), as_json.output
    return json.loads(as_json.stdout), "\n".join(line for line in as_text.stdout.splitlines() if "沿用" in line or "审计了" in line)


def same_as_fresh(o: Office) -> tuple[list[dict[str, str]], str]:
    """The audit that may continue a kept one equals a fresh one, violations, order and counts alike."""
    kept, said = audit(o)
    fresh, fresh_said = audit(o, fresh=True)
    assert kept == fresh
    assert said.splitlines()[0] == fresh_said  # the same counts
    return kept, said


def test_new_commits_after_an_audit_are_audited_alone_with_the_same_result(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    before, _ = audit(o)  # a whole audit: kept for its head
    proven_at = head(o)
    o.forge_review("zhang-wei", item, entry(o, item, "复审", "zhang-wei"))  # a self-review after the kept audit
    forged = head(o)
    after, said = same_as_fresh(o)
    assert f"至 {proven_at[:10]}）沿用此前一次全部审计的结论，只审计了此后的 1 个提交" in said
    assert [v for v in after if v["commit"] == forged]
    assert after[: len(before)] == before


def test_violations_kept_from_the_earlier_audit_are_still_reported_and_waived_alike(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)  # written by hand
    found, _ = audit(o)
    assert {v["rule"] for v in found} == {"review-not-by-tool"}
    bad = found[0]
    waivers = o.root / "units" / "waivers.yml"
    waivers.write_text(f"- item: {bad['item']}\n  commit: {bad['commit']}\n  rule: {bad['rule']}\n"
                       "  reason: 办公室已核实：初审人当面确认了这条审核记录\n", "utf-8")
    o.commit_all("li-chu", "办公室核实并接受一处历史问题")
    after, said = same_as_fresh(o)
    assert "沿用" in said
    assert after == []


def test_a_collision_between_a_kept_issue_and_a_new_one(git_office: Office) -> None:
    o = git_office
    first, second = approved(o), approved(o, "关于增设充电桩的建议")
    base = head(o)
    o.git("checkout", "-q", "-b", "clerk-b")
    assert o.sqmy("li-chu", "journal", "new", second).exit_code == 0
    o.git("checkout", "-q", "main")
    assert o.git("rev-parse", "HEAD").strip() == base
    assert o.sqmy("li-chu", "journal", "new", first).exit_code == 0
    audit(o)  # issue 1 of `first` is kept
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并 b", "clerk-b")
    after, said = same_as_fresh(o)
    assert "沿用" in said
    assert (second, head(o), "journal-collision") in {(v["item"], v["commit"], v["rule"]) for v in after}


def test_an_item_re_added_as_an_import_after_the_kept_audit(git_office: Office) -> None:
    o = git_office
    imported = o.path("2025-0506-zhangwei-1")
    text = imported.read_text("utf-8")
    imported.unlink()
    o.commit_all("li-chu", "删除一条导入的记录")
    audit(o)
    imported.write_text(text, "utf-8")
    again = o.commit_all("li-chu", "重新导入")
    after, said = same_as_fresh(o)
    assert "沿用" in said
    assert ("2025-0506-zhangwei-1", again, "import-not-new") in {(v["item"], v["commit"], v["rule"]) for v in after}


def test_a_kept_audit_off_the_first_parent_line_is_not_used(git_office: Office) -> None:
    o = git_office
    o.git("checkout", "-q", "-b", "item/parking")
    item = approved(o)
    audit(o)  # kept for the branch's head
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", f"合并：{item}", "item/parking")
    _, said = same_as_fresh(o)
    assert "沿用" not in said  # the branch head is an ancestor, but its commits entered with the merge: judged anew


def test_a_rewritten_history_finds_nothing_kept(git_office: Office) -> None:
    o = git_office
    approved(o)
    audit(o)
    o.git("reset", "-q", "--hard", "HEAD~2")
    o.new_item("zhang-wei", "关于改造老旧管网的建议")
    _, said = same_as_fresh(o)
    assert "沿用" not in said


def test_only_the_same_code_and_an_undamaged_file_are_trusted(git_office: Office) -> None:
    o = git_office
    approved(o)
    audit(o)
    kept = proven._file(Repo(o.root))
    assert proven.read(Repo(o.root))
    data = json.loads(kept.read_text("utf-8"))
    kept.write_text(json.dumps({**data, "code": "0" * 64}), "utf-8")  # proved by other code
    assert proven.read(Repo(o.root)) == []
    kept.write_text("{not json", "utf-8")
    assert proven.read(Repo(o.root)) == []
    _, said = same_as_fresh(o)
    assert "沿用" not in said


def test_nothing_is_kept_when_a_finding_depends_on_the_day(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    o = git_office
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", "2099-01-01T12:00:00+08:00")
    o.new_item()
    found, _ = audit(o)
    assert "commit-date" in {v["rule"] for v in found}
    assert all(p.head != head(o) for p in proven.read(Repo(o.root)))


def test_the_kept_audit_lives_outside_the_repository(git_office: Office) -> None:
    o = git_office
    approved(o)
    audit(o)
    assert proven.read(Repo(o.root))
    assert not [p for p in o.root.rglob("*.json") if "audit" in p.parts]
    assert not (o.root / ".sqmy" / "audit").exists()
