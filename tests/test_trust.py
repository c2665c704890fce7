"""The audit trail against a hostile member with push access (and a careless clerk).

Each test builds the attack in a real Git repository and shows it refused at
the door or reported by `sqmy audit` / `sqmy validate` with a rule id, the
item and the commit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqmy.cli import main

from .conftest import TODAY
from .gitoffice import PEOPLE, Office


def entry(o: Office, item: str, stage: str, by: str, decision: str = "通过", **extra: object) -> dict[str, object]:
    return {"stage": stage, "by": by, "decision": decision, "date": TODAY, "digest": o.digest(item), **extra}


def found(o: Office, *args: str) -> set[tuple[str, str, str]]:
    """(item, commit, rule) of every violation."""
    return {(v["item"], v["commit"], v["rule"]) for v in o.audit(*args)}


def rules(o: Office, *args: str) -> set[str]:
    return {v["rule"] for v in o.audit(*args)}


def approved(o: Office, title: str = "关于加强社区停车管理的建议") -> str:
    item = o.new_item("zhang-wei", title)
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.review("chen-shen", item, "审定", "通过", "--route", "直报").exit_code == 0
    return item


def head(o: Office) -> str:
    return o.git("rev-parse", "HEAD").strip()


def commit_tree(o: Office, person: str, tree: str, parents: list[str], message: str) -> str:
    with o.acting(person):
        args = ["commit-tree", tree, *[a for p in parents for a in ("-p", p)], "-m", message]
        return o.git(*args).strip()


# --- 1. every commit shape is audited -------------------------------------------------------------


def test_item_added_in_a_parentless_commit_and_merged(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    text = o.path(item).read_text("utf-8")
    o.git("checkout", "-q", "--orphan", "loose")
    o.git("rm", "-rq", "--cached", ".")
    fake = text.replace(item, f"{item}x")
    fm_end = fake.index("\n---\n", 4)
    digest = o.digest(item)
    fake = fake[:fm_end] + f"\nreviews:\n  - {{stage: 初审, by: li-chu, decision: 通过, date: {TODAY}, digest: \"{digest}\"}}" + fake[fm_end:]
    path = o.path(f"{item}x")
    path.write_text(fake, "utf-8")
    with o.acting("zhang-wei"):
        o.git("add", str(path))
        o.git("commit", "-q", "-m", "只有一条信息的根提交")
    root = head(o)
    o.git("checkout", "-q", "-f", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--allow-unrelated-histories", "--no-ff", "-m", "合并", "loose")
    assert (f"{item}x", root, "review-not-by-tool") in found(o)


def test_octopus_merge_brings_a_hand_written_review(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    base = head(o)
    o.git("checkout", "-q", "-b", "one")
    (o.root / "notes.txt").write_text("旁注\n", "utf-8")
    o.commit_all("zhang-wei", "旁注")
    o.git("checkout", "-q", "-b", "two", base)
    sha = o.forge_review("zhang-wei", item, entry(o, item, "初审", "li-chu"), trailers=False)
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "章鱼合并", "one", "two")
    assert len(o.git("log", "-1", "--format=%P").split()) == 3
    assert {(item, sha, "review-not-by-tool"), (item, sha, "review-author")} <= found(o)


@pytest.mark.parametrize("decision", ["通过", "不予上报"])
def test_merge_whose_second_parent_is_an_older_version_erases_nothing(git_office: Office, decision: str) -> None:
    o = git_office
    item = o.new_item()
    before = head(o)  # the item without reviews
    assert o.review("li-chu", item, "初审", decision).exit_code == 0
    reviewed = head(o)
    # a hand-made merge that takes the old tree: the review (or the rejection) is gone
    old_tree = o.git("rev-parse", f"{before}^{{tree}}").strip()
    merge = commit_tree(o, "zhang-wei", old_tree, [reviewed, before], "合并旧版本")
    o.git("update-ref", "refs/heads/main", merge)
    o.git("reset", "-q", "--hard")
    assert (item, merge, "merge-rollback") in found(o)
    assert o.data(item).get("reviews") in (None, [])


def test_merge_that_writes_a_new_version(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    base = head(o)
    o.git("checkout", "-q", "-b", "side")
    (o.root / "notes.txt").write_text("旁注\n", "utf-8")
    side = o.commit_all("zhang-wei", "旁注")
    o.git("checkout", "-q", "main")
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n合并时加的一句。\n", "utf-8")
    o.git("add", "-A")
    tree = o.git("write-tree").strip()
    merge = commit_tree(o, "li-chu", tree, [base, side], "手工合并")
    o.git("update-ref", "refs/heads/main", merge)
    o.git("reset", "-q", "--hard")
    assert (item, merge, "merge-edit") in found(o)


def test_a_merge_that_combines_two_sides_without_dropping_is_clean(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    base = head(o)
    o.git("checkout", "-q", "-b", "adoption")
    assert o.sqmy("li-chu", "record", item, "adoption", "--level", "市政协", "--date", TODAY).exit_code == 0
    adopted = o.path(item).read_text("utf-8")
    o.git("checkout", "-q", "main")
    assert o.sqmy("li-chu", "journal", "new", item).exit_code == 0
    published = o.path(item).read_text("utf-8")
    with o.acting("li-chu"):  # both sides wrote the same file: the clerk resolves it by keeping both records
        o.git("merge", "-q", "--no-ff", "--no-commit", "adoption", check=False)
        adoption = next(line for line in adopted.split("\n") if line.startswith("adoptions:") or line.startswith("  - {level: 市政协"))
        block = adopted[adopted.index("adoptions:"):].split("\n---\n", 1)[0] if "adoptions:" in adopted else adoption
        o.path(item).write_text(published.replace("\n---\n", "\n" + block + "\n---\n", 1), "utf-8")
        o.git("add", "-A")
        o.git("commit", "-q", "-m", "合并采用记录")
    data = o.data(item)
    assert data["adoptions"]
    assert data["journal"]
    assert o.audit() == []
    assert base != head(o)


def test_since_covers_merges_and_roots_in_the_range(git_office: Office) -> None:
    o = git_office
    base = head(o)
    o.git("checkout", "-q", "-b", "pr")
    item = o.new_item()
    sha = o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)
    o.git("checkout", "-q", "-b", "other", base)
    (o.root / "notes.txt").write_text("旁注\n", "utf-8")
    o.commit_all("zhang-wei", "旁注")
    o.git("checkout", "-q", "pr")
    with o.acting("zhang-wei"):
        o.git("merge", "-q", "--no-ff", "-m", "合并旁注", "other")
    assert (item, sha, "review-not-by-tool") in found(o, "--since", base)
    assert (item, sha, "review-not-by-tool") in found(o, "--since", base, "--rev", "pr")


# --- 2. the registry and the rules are part of the audited history -------------------------------------


def grant(o: Office, person: str, role: str) -> str:
    people = o.root / "units" / "people.yml"
    text = people.read_text("utf-8")
    start = text.index(f"- id: {person}\n")
    end = text.find("\n- id:", start + 1)
    block = text[start:end if end > 0 else len(text)]
    new_block = block + ("" if "roles:" in block else "\n  roles:") + f"\n    - {{role: {role}, from: 2024-01-01}}"
    people.write_text(text.replace(block, new_block), "utf-8")
    return o.commit_all(person, f"给自己加上{role}角色")


def test_granting_yourself_a_role_then_reviewing(git_office: Office) -> None:
    o = git_office
    author_item = o.new_item("li-chu", "关于规范共享单车停放的建议")
    o.git("checkout", "-q", "-b", "pr")
    registry = grant(o, "zhang-wei", "初审")
    result = o.review("zhang-wei", author_item, "初审", "通过")  # the branch's registry lets the tool do it
    assert result.exit_code == 0, result.output
    review = head(o)
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并", "pr")
    violations = found(o)
    assert ("units/people.yml", registry, "registry-not-office") in violations
    assert (author_item, review, "role") in violations  # judged by main's registry before the merge
    assert ("", review, "registry-with-reviews") in violations


def test_registry_changes_only_by_the_office_in_commits_of_their_own(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    office = o.root / "units" / "office.yml"
    office.write_text(office.read_text("utf-8").replace("require_signatures: false", "require_signatures: true"), "utf-8")
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n补充一句。\n", "utf-8")
    sha = o.commit_all("li-chu", "顺手改了设置")
    assert ("units/office.yml", sha, "registry-mixed") in found(o)


def test_remapping_a_login_inside_a_pull_request_and_reverting_it(git_office: Office, tmp_path: Path) -> None:
    """The bridge reads the base registry: a login remapped on the branch gets nothing, and the remap is reported."""
    o = git_office
    base_checkout = tmp_path / "base"
    subprocess.run(["git", "clone", "-q", str(o.root), str(base_checkout)], check=True)
    o.git("checkout", "-q", "-b", "pr")
    item = o.new_item()
    people = o.root / "units" / "people.yml"
    original = people.read_text("utf-8")
    people.write_text(original.replace("github: sample-lichu", "github: mallory"), "utf-8")
    remap = o.commit_all("zhang-wei", "更新账号")
    event = tmp_path / "comment.json"
    data = json.loads((Path(__file__).parent / "samples" / "github" / "issue_comment.json").read_text("utf-8"))
    data["comment"].update(body="/初审 通过", user={"login": "mallory", "id": 9, "type": "User"})
    event.write_text(json.dumps(data), "utf-8")
    pull = json.loads((Path(__file__).parent / "samples" / "github" / "pull_request_review.json").read_text("utf-8"))["pull_request"]
    pull["base"]["sha"] = o.git("rev-parse", "main").strip()
    (tmp_path / "pull.json").write_text(json.dumps(pull), "utf-8")
    (tmp_path / "activity.json").write_text(json.dumps([{"after": head(o), "timestamp": "2026-11-28T04:00:00Z", "ref": "refs/heads/pr"}]), "utf-8")
    with o.acting("outsider"):
        result = CliRunner().invoke(main, ["--rules-from", str(base_checkout), "bridge", "github", "--event", str(event), "--event-name",
                                           "issue_comment", "--pull-request", str(tmp_path / "pull.json"), "--activity", str(tmp_path / "activity.json")])
    assert result.exit_code == 1, result.output
    assert "没有在人员名册" in result.stdout
    assert o.data(item).get("reviews") in (None, [])
    people.write_text(original, "utf-8")
    revert = o.commit_all("zhang-wei", "改回账号")
    violations = found(o, "--since", "main")
    assert {("units/people.yml", remap, "registry-not-office"), ("units/people.yml", revert, "registry-not-office")} <= violations


def test_required_check_refuses_a_pull_request_that_changes_units_and_adds_reviews(git_office: Office) -> None:
    o = git_office
    base = head(o)
    o.git("checkout", "-q", "-b", "pr")
    item = o.new_item()
    topics = o.root / "units" / "topics.yml"
    topics.write_text(topics.read_text("utf-8") + "\n", "utf-8")
    o.commit_all("li-chu", "整理选题（办公室）")  # by the office: the registry change itself is fine
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    review = head(o)
    assert ("", review, "registry-with-reviews") in found(o, "--since", base)


def test_a_symlink_in_units_is_refused_by_validate_and_audit(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    outside = tmp_path / "topics.yml"
    shutil.copy(o.root / "units" / "topics.yml", outside)
    (o.root / "units" / "topics.yml").unlink()
    (o.root / "units" / "topics.yml").symlink_to(outside)
    sha = o.commit_all("li-chu", "选题清单改为链接")
    result = o.sqmy("li-chu", "validate")
    assert result.exit_code == 1
    assert "not-regular" not in result.stdout
    assert "不是普通文件" in result.stdout
    assert ("units/topics.yml", sha, "not-regular-file") in found(o)


# --- 3. dates cannot be declared ---------------------------------------------------------------------


def test_a_reviewer_whose_role_ended_cannot_review_in_the_past(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    o = git_office
    assert o.review("li-chu", o.new_item(), "初审", "通过").exit_code == 0
    item = o.new_item("zhang-wei", "关于增设充电桩的建议")
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    # wang-fu held 复审 until 2025-06-30: the tool refuses a review dated back then
    monkeypatch.setenv("SQMY_TODAY", "2025-06-20")
    result = o.review("wang-fu", item, "复审", "通过")
    assert result.exit_code == 1
    assert "审核日期不能倒填" in result.stderr
    # and a hand-made commit with every date set back is reported
    monkeypatch.setenv("SQMY_TODAY", TODAY)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", "2025-06-20T12:00:00+08:00")
    sha = o.forge_review("wang-fu", item, entry(o, item, "复审", "wang-fu") | {"date": "2025-06-20"})
    violations = found(o)
    assert (item, sha, "review-date") in violations
    assert ("", sha, "commit-date") in violations


def test_a_review_dated_after_its_commit(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    sha = o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu") | {"date": "2026-12-05"})
    assert (item, sha, "review-date") in found(o)


def test_a_commit_dated_in_the_future(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    o = git_office
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", "2099-01-01T12:00:00+08:00")
    o.new_item()
    sha = head(o)
    assert ("", sha, "commit-date") in found(o)


def test_imports_only_while_the_window_is_open_and_only_new_items(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    o = git_office
    source = o.path("2025-0506-zhangwei-1")
    copy = source.with_name("2025-0507-zhangwei-1.md")
    text = source.read_text("utf-8").replace("2025-0506-zhangwei-1", "2025-0507-zhangwei-1")
    for who in ("AUTHOR", "COMMITTER"):  # the window closed on 2026-11-28 (units/office.yml imported_until)
        monkeypatch.setenv(f"GIT_{who}_DATE", "2026-11-30T12:00:00+08:00")
    copy.write_text(text, "utf-8")
    late = o.commit_all("li-chu", "补录历史")
    assert ("2025-0507-zhangwei-1", late, "import-too-late") in found(o)
    o.git("reset", "-q", "--hard", "HEAD~1")
    # an item that exists cannot be rewritten as "imported": delete it, then import it again
    source.unlink()
    o.commit_all("li-chu", "删除")
    source.write_text(o.git("show", "HEAD~1:items/2025/2025-0506-zhangwei-1.md"), "utf-8")
    again = o.commit_all("li-chu", "重新导入")
    violations = found(o)
    assert ("2025-0506-zhangwei-1", again, "import-not-new") in violations


def test_an_outcome_dated_after_its_commit(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("routes: [直报]", "routes: [直报]\nadoptions:\n  - {level: 市政协, date: 2026-12-20}"), "utf-8")
    sha = o.commit_all("li-chu", "预先记录采用")
    assert (item, sha, "outcome-date") in found(o)


# --- 6. an approval goes stale everywhere ---------------------------------------------------------------


def test_text_changed_after_approval_is_not_approved_anywhere(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("增设停车位", "增设立体停车位"), "utf-8")
    changed = o.commit_all("zhang-wei", "改一个词")
    shown = o.sqmy("li-chu", "status", item)
    assert "状态：审定后改动" in shown.stdout
    assert "sqmy reopen" in shown.stdout
    assert "初审" in shown.stdout
    detail = json.loads(o.sqmy("li-chu", "status", item, "--format", "json").stdout)
    assert detail["status"] == "审定后改动"
    assert "已审定" not in detail["statuses"]
    assert detail["candidate_names"] == ["李初"]  # the office must act
    validate = o.sqmy("li-chu", "validate")
    assert validate.exit_code == 1
    assert "approval-stale" not in validate.stdout
    assert "原审核不再有效" in validate.stdout
    record = o.sqmy("li-chu", "record", item, "adoption", "--level", "市政协", "--date", TODAY)
    assert record.exit_code == 1
    assert "审定后改动" in record.stderr
    journal = o.sqmy("li-chu", "journal", "new", item)
    assert journal.exit_code == 1
    assert "审定后改动" in journal.stderr
    docx = o.sqmy("li-chu", "docx", "item", item)
    assert docx.exit_code != 0
    assert "尚未审定通过" in docx.stderr
    stats = json.loads(o.sqmy("li-chu", "stats", "--year", "2026", "--format", "json").stdout)
    assert stats["collected"] >= 1
    assert stats["edited"] == 0
    assert (item, changed, "changed-after-approval") in found(o)


def test_reopen_then_correct_then_review_again_audits_clean(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    result = o.sqmy("li-chu", "reopen", item, "--reason", "审定后发现错字")
    assert result.exit_code == 0, result.output
    assert "当前状态：待初审" in result.stdout
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("边角地", "边角空地"), "utf-8")
    o.commit_all("zhang-wei", "改正错字")
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.review("chen-shen", item, "审定", "通过", "--route", "直报", "--route", "参阅").exit_code == 0
    assert o.data(item)["routes"] == ["直报", "参阅"]
    assert json.loads(o.sqmy("li-chu", "status", item, "--format", "json").stdout)["status"] == "已审定"  # 直报 chosen, not yet sent
    assert o.sqmy("li-chu", "validate").exit_code == 0
    assert o.audit() == []
    assert o.sqmy("li-chu", "record", item, "adoption", "--level", "市政协", "--date", TODAY).exit_code == 0


@pytest.mark.parametrize(("person", "reviews", "text"), [
    ("zhang-wei", 3, "没有“办公室”角色"),
    ("li-chu", 1, "审核尚未结束"),
])
def test_reopen_refusals(git_office: Office, person: str, reviews: int, text: str) -> None:
    o = git_office
    item = o.new_item()
    for reviewer, stage, extra in (("li-chu", "初审", ()), ("zhao-fu", "复审", ()), ("chen-shen", "审定", ("--route", "直报")))[:reviews]:
        assert o.review(reviewer, item, stage, "通过", *extra).exit_code == 0
    before = head(o)
    result = o.sqmy(person, "reopen", item, "--reason", "重新考虑")
    assert result.exit_code == 1
    assert text in result.stderr
    assert head(o) == before
    assert o.git("status", "--porcelain") == ""


def test_a_hand_written_reopening_is_reported(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    sha = o.forge_review("zhang-wei", item, entry(o, item, "重新审核", "zhang-wei", "重新审核", comment="我想改"))
    assert (item, sha, "role") in found(o)  # only the office reopens


# --- 8. hostile files in history ---------------------------------------------------------------------


def test_an_unknown_stage_in_an_old_commit_is_a_finding(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    sha = o.forge_review("li-chu", item, entry(o, item, "终审", "li-chu", "批准"))
    result = CliRunner().invoke(main, ["audit", "--format", "json"])
    assert result.exit_code == 1, result.output
    assert (item, sha, "review-shape") in {(v["item"], v["commit"], v["rule"]) for v in json.loads(result.stdout)}


def test_an_item_committed_as_a_symlink(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    (o.root / "items" / "2026" / "evil.md").symlink_to(o.path(item))
    sha = o.commit_all("zhang-wei", "链接")
    assert ("evil", sha, "not-regular-file") in found(o)


def test_a_billion_laughs_version_in_history_is_a_finding(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    path = o.path(item)
    bomb = "\n".join([f"x{n}: &x{n} [{', '.join([f'*x{n - 1}'] * 9)}]" if n else "x0: &x0 [a, a, a, a, a, a, a, a, a]" for n in range(12)])
    text = path.read_text("utf-8")
    path.write_text(text.replace("audience: 内部", "audience: 内部\n" + bomb), "utf-8")
    sha = o.commit_all("zhang-wei", "炸弹")
    result = CliRunner().invoke(main, ["audit", "--format", "json"])
    assert result.exit_code == 1, result.output
    assert any(v["commit"] == sha for v in json.loads(result.stdout))


# --- 10. journal numbers stay unique across branches -------------------------------------------------------


def test_two_branches_opening_the_next_issue(git_office: Office) -> None:
    o = git_office
    first, second = approved(o), approved(o, "关于增设充电桩的建议")
    base = head(o)
    o.git("checkout", "-q", "-b", "clerk-a")
    assert o.sqmy("li-chu", "journal", "new", first).exit_code == 0
    o.git("checkout", "-q", "-b", "clerk-b", base)
    assert o.sqmy("li-chu", "journal", "new", second).exit_code == 0
    opened_b = head(o)
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并 a", "clerk-a")
        o.git("merge", "-q", "--no-ff", "-m", "合并 b", "clerk-b")
    merged_b = head(o)
    assert o.data(first)["journal"]["issue"] == o.data(second)["journal"]["issue"] == 1  # type: ignore[index]
    validate = o.sqmy("li-chu", "validate")
    assert validate.exit_code == 1
    assert "2026年第1期有两组分别编入的信息" in validate.stdout
    assert (second, merged_b, "journal-collision") in found(o)  # reported where the second set joined the first
    assert opened_b != merged_b
    listing = o.sqmy("li-chu", "journal", "list", "--year", "2026").stdout
    assert "重号" in listing
    token = o.data(second)["journal"]["token"]  # type: ignore[index]
    done = o.sqmy("li-chu", "journal", "renumber", "1", "--token", str(token), "--year", "2026")
    assert done.exit_code == 0, done.output
    assert o.data(second)["journal"]["issue"] == 2  # type: ignore[index]
    assert o.sqmy("li-chu", "validate").exit_code == 0
    assert "journal-collision" not in rules(o)


def test_the_signing_identity_is_the_author(git_office: Office) -> None:
    """Without signatures an identity is a claim: the README says so, and the audit still needs the author to match."""
    o = git_office
    item = o.new_item()
    with o.acting("zhang-wei"):
        env = {"GIT_AUTHOR_NAME": PEOPLE["li-chu"][0], "GIT_AUTHOR_EMAIL": PEOPLE["li-chu"][1]}
        os.environ.update(env)
        try:
            result = CliRunner().invoke(main, ["review", item, "初审", "通过"], catch_exceptions=False)
        finally:
            for key in env:
                os.environ.pop(key, None)
    assert result.exit_code == 0  # a claimed identity passes without signatures: branch protection is the guard
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    assert "身份只是提交中的声明" in readme


def test_units_replaced_by_a_link_to_another_folder(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(o.root / "units", elsewhere)
    shutil.rmtree(o.root / "units")
    (o.root / "units").symlink_to(elsewhere)
    sha = o.commit_all("li-chu", "名册放到别处")
    result = CliRunner().invoke(main, ["--root", str(o.root), "validate"])
    assert result.exit_code == 1
    assert "不是普通文件" in result.stdout
    assert ("units", sha, "not-regular-file") in found(o)


def test_a_version_with_a_field_given_twice_is_unreadable(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    path = o.path(item)
    text = path.read_text("utf-8")
    path.write_text(text.replace("audience: 内部", "audience: 内部\naudience: 公开"), "utf-8")
    sha = o.commit_all("zhang-wei", "两个 audience")
    assert (item, sha, "unreadable") in found(o)


def test_docx_all_leaves_out_a_stale_item_and_says_so(git_office: Office) -> None:
    o = git_office
    shutil.copytree(Path(__file__).parent.parent / "templates" / "docx", o.root / "templates" / "docx")
    kept, stale = approved(o), approved(o, "关于增设充电桩的建议")
    path = o.path(stale)
    path.write_text(path.read_text("utf-8").replace("增设停车位", "增设立体停车位"), "utf-8")
    o.commit_all("zhang-wei", "改一个词")
    result = o.sqmy("li-chu", "docx", "all", "--year", "2026", "--kind", "item")
    assert result.exit_code == 1
    assert f"未生成：信息 {stale}：审定后标题或正文被修改" in result.stderr
    written = {p.name for p in (o.root / "build" / "docx").rglob("*.docx")}
    assert written == {f"直报-{kept}.docx"}


def test_a_merge_that_puts_the_branch_first_does_not_launder_a_self_granted_role(git_office: Office) -> None:
    """A hand-made merge whose first parent is the attacker's branch makes that branch the first-parent line:
    its review is then judged by its own registry, but the registry change it rests on is still reported."""
    o = git_office
    item = o.new_item("li-chu", "关于规范共享单车停放的建议")
    base = head(o)
    o.git("checkout", "-q", "-b", "mine")
    registry = grant(o, "zhang-wei", "初审")
    assert o.review("zhang-wei", item, "初审", "通过").exit_code == 0
    mine = head(o)
    tree = o.git("rev-parse", f"{mine}^{{tree}}").strip()
    merge = commit_tree(o, "zhang-wei", tree, [mine, base], "合并（分支在前）")
    o.git("checkout", "-q", "main")
    o.git("update-ref", "refs/heads/main", merge)
    o.git("reset", "-q", "--hard")
    assert ("units/people.yml", registry, "registry-not-office") in found(o)
    assert CliRunner().invoke(main, ["audit"]).exit_code == 1
