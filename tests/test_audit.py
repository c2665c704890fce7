"""sqmy audit catches each way the review trail can be broken (DESIGN §5)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqmy import audit as audit_mod
from sqmy.cli import main
from sqmy.errors import SqmyError
from sqmy.frontmatter import FrontMatter
from sqmy.gitio import Git
from sqmy.paths import Repo

from .conftest import REPO, TODAY
from .gitoffice import PEOPLE, Office


def entry(o: Office, item: str, stage: str, by: str, decision: str = "通过", **extra: object) -> dict[str, object]:
    return {"stage": stage, "by": by, "decision": decision, "date": TODAY, "digest": o.digest(item), **extra}


def rules(found: list[dict[str, str]]) -> set[str]:
    return {v["rule"] for v in found}


def approved(o: Office) -> str:
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.review("chen-shen", item, "审定", "通过", "--route", "转办").exit_code == 0
    return item


def test_clean_history_audits_clean(git_office: Office) -> None:
    approved(git_office)
    assert git_office.audit() == []
    text = git_office.sqmy("li-chu", "audit").stdout
    assert "核对审核记录 3 条" in text
    assert "历史导入记录" in text


def test_review_typed_by_hand(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    sha = o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)
    found = o.audit()
    assert found == [{"item": item, "commit": sha, "rule": "review-not-by-tool", "message": found[0]["message"]}]
    assert "视为手工填写" in found[0]["message"]


def test_review_entry_by_someone_else(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("zhang-wei", item, entry(o, item, "初审", "li-chu"))  # the author writes the reviewer's name
    assert "review-author" in rules(o.audit())


def test_reviewer_without_the_role(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("sun-zhuan", item, entry(o, item, "初审", "sun-zhuan"))
    found = o.audit()
    assert rules(found) == {"role"}
    assert "没有“初审”角色" in found[0]["message"]


def test_reviewer_whose_role_had_ended(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    o.forge_review("wang-fu", item, entry(o, item, "复审", "wang-fu"))  # 复审 until 2025-06-30
    found = o.audit()
    assert rules(found) == {"role"}
    assert "2026-11-28 没有“复审”角色" in found[0]["message"]


def test_skipped_stage(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("zhao-fu", item, entry(o, item, "复审", "zhao-fu"))
    found = o.audit()
    assert rules(found) == {"order"}
    assert "“初审”尚未通过" in found[0]["message"]


def test_self_review(git_office: Office) -> None:
    o = git_office
    item = o.new_item("zhao-fu", "关于规范停车的建议")
    o.forge_review("zhao-fu", item, entry(o, item, "初审", "zhao-fu"))
    assert rules(o.audit()) == {"self-review"}


def test_one_person_signing_two_stages(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("zhao-fu", item, "初审", "通过").exit_code == 0
    o.forge_review("zhao-fu", item, entry(o, item, "复审", "zhao-fu"))
    assert rules(o.audit()) == {"two-stages"}


def test_wrong_digest_and_date(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    bad = entry(o, item, "初审", "li-chu") | {"digest": "sha256:" + "0" * 64, "date": "2026-01-05"}
    o.forge_review("li-chu", item, bad)
    assert rules(o.audit()) == {"digest", "review-date"}


def test_review_commit_with_other_files(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), extra_files=True)
    assert rules(o.audit()) == {"review-commit-mixed"}


def test_text_changed_after_approval(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("增设停车位", "增设立体停车位"), "utf-8")
    sha = o.commit_all("li-chu", "改一个词")
    found = o.audit()
    assert [(v["commit"], v["rule"]) for v in found] == [(sha, "changed-after-approval")]


def test_other_fields_changed_after_approval(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("category: 社区管理", "category: 养老服务"), "utf-8")
    o.commit_all("li-chu", "改类别")
    found = o.audit()
    assert rules(found) == {"changed-after-approval"}
    assert "category" in found[0]["message"]


@pytest.mark.parametrize("how", ["edit", "delete"])
def test_past_review_edited_or_deleted(git_office: Office, how: str) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过", "-m", "同意").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    path = o.path(item)
    lines = path.read_text("utf-8").split("\n")
    first = next(i for i, line in enumerate(lines) if "stage: 初审" in line)
    if how == "edit":
        lines[first] = lines[first].replace("同意", "同意报送")
    else:
        del lines[first]
    path.write_text("\n".join(lines), "utf-8")
    sha = o.commit_all("li-chu", "整理审核记录")
    assert [(v["commit"], v["rule"]) for v in o.audit()] == [(sha, "review-edited")]


def test_outcome_recorded_by_non_office_person(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    path = o.path(item)
    fm = FrontMatter(path.read_text("utf-8"))
    fm.set("journal", {"year": 2026, "issue": 5}, after=["routes"])
    path.write_text(fm.text(), "utf-8")
    sha = o.commit_all("zhang-wei", "编入第5期")
    found = o.audit()
    assert [(v["commit"], v["rule"]) for v in found] == [(sha, "outcome-not-office")]
    # the same record by the office is fine
    o.git("reset", "-q", "--hard", "HEAD~1")
    path.write_text(fm.text(), "utf-8")
    o.commit_all("li-chu", "编入第5期")
    assert o.audit() == []


def test_squash_merge_loses_the_reviewers(git_office: Office) -> None:
    o = git_office
    o.git("checkout", "-q", "-b", "item/x")
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--squash", "item/x")
        o.git("commit", "-q", "-m", "squash")
    o.git("branch", "-q", "-D", "item/x")
    assert rules(o.audit()) == {"review-not-by-tool"}  # the item arrives with reviews nobody committed


def test_imported_history_rules(git_office: Office) -> None:
    o = git_office
    source = o.path("2025-0506-zhangwei-1")
    copy = source.with_name("2025-0507-zhangwei-1.md")
    copy.write_text(source.read_text("utf-8").replace("2025-0506-zhangwei-1", "2025-0507-zhangwei-1"), "utf-8")
    o.commit_all("zhang-wei", "补录历史")  # not the office
    assert rules(o.audit()) == {"import-not-office"}
    o.git("reset", "-q", "--hard", "HEAD~1")
    late = source.read_text("utf-8").replace("2025-0506-zhangwei-1", "2025-0507-zhangwei-1").replace("date: 2025-12-31", "date: 2025-06-01")
    copy.write_text(late, "utf-8")
    o.commit_all("li-chu", "补录历史")
    found = o.audit()
    assert rules(found) == {"import-after-date"}  # the feedback of 2025-06-10 is later than the import date
    o.git("reset", "-q", "--hard", "HEAD~1")
    # an imported marker cannot be added to an item that exists
    item = o.new_item()
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("audience: 内部", "audience: 内部\nimported: {date: 2025-12-01}"), "utf-8")
    o.commit_all("li-chu", "标为导入")
    assert rules(o.audit()) == {"imported-changed"}


def test_merge_that_edits_an_item(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.git("checkout", "-q", "-b", "side")
    (o.root / "notes.txt").write_text("旁注\n", "utf-8")
    o.commit_all("li-chu", "旁注")
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "--no-commit", "side")
        path = o.path(item)
        path.write_text(path.read_text("utf-8") + "\n合并时加的一句。\n", "utf-8")
        o.git("add", "-A")
        o.git("commit", "-q", "-m", "merge")
    assert rules(o.audit()) == {"merge-edit"}


def test_audit_since_sees_only_the_new_commits(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)  # an old problem on main
    base = o.git("rev-parse", "HEAD").strip()
    o.git("checkout", "-q", "-b", "pr")
    second = o.new_item("zhang-wei", "关于增设充电桩的建议")
    assert o.review("li-chu", second, "初审", "通过").exit_code == 0
    assert o.audit("--since", base) == []
    assert rules(o.audit()) == {"review-not-by-tool"}
    text = o.sqmy("li-chu", "audit", "--since", base).stdout
    assert f"审计了{base} 之后的 2 个提交" in text


def test_audit_outside_git_is_a_clear_error(office: Path) -> None:
    result = CliRunner().invoke(main, ["audit"])
    assert result.exit_code == 2
    assert "不是 Git 仓库" in result.stderr


# --- signing -------------------------------------------------------------------


def keypair(tmp: Path, person: str) -> tuple[Path, str]:
    key = tmp / f"{person}.key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", person, "-f", str(key)], check=True)
    return key, key.with_suffix(".key.pub").read_text().strip()


@pytest.fixture
def signing_office(git_office: Office, tmp_path: Path) -> tuple[Office, dict[str, Path]]:
    o = git_office
    keys = {}
    people = o.root / "units" / "people.yml"
    text = people.read_text("utf-8")
    for person in ("zhang-wei", "li-chu", "zhao-fu", "chen-shen"):
        key, public = keypair(tmp_path, person)
        keys[person] = key
        email = PEOPLE[person][1]
        text = text.replace(f"  email: {email}\n", f"  email: {email}\n  ssh_key: {public}\n")
    people.write_text(text, "utf-8")
    office_yml = o.root / "units" / "office.yml"
    office_yml.write_text(office_yml.read_text("utf-8").replace("require_signatures: false", "require_signatures: true"), "utf-8")
    o.git("config", "gpg.format", "ssh")
    o.commit_all("li-chu", "启用审核签名")  # judged by the registry before it: no signature needed yet
    return o, keys


def signing(o: Office, keys: dict[str, Path], person: str | None) -> None:
    """Sign the next commits with `person`'s key (None: stop signing)."""
    if person is None:
        o.git("config", "commit.gpgsign", "false")
        return
    o.git("config", "user.signingkey", str(keys[person]))
    o.git("config", "commit.gpgsign", "true")


def test_signed_reviews_audit_clean(signing_office: tuple[Office, dict[str, Path]]) -> None:
    o, keys = signing_office
    signing(o, keys, "zhang-wei")
    item = o.new_item()
    for person, stage, extra in (("li-chu", "初审", ()), ("zhao-fu", "复审", ()), ("chen-shen", "审定", ("--route", "直报"))):
        signing(o, keys, person)
        assert o.review(person, item, stage, "通过", *extra).exit_code == 0
    assert o.audit() == []
    assert "签名 4 个" in o.sqmy("li-chu", "audit").stdout


def test_every_commit_that_writes_items_is_signed_when_required(signing_office: tuple[Office, dict[str, Path]]) -> None:
    o, keys = signing_office
    signing(o, keys, None)
    item = o.new_item()  # the member's own submission, unsigned
    sha = o.git("rev-parse", "HEAD").strip()
    signing(o, keys, "li-chu")
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert [(v["commit"], v["rule"]) for v in o.audit()] == [(sha, "unsigned")]
    # the registry too: an office change of units/ under required signatures must be signed
    signing(o, keys, None)
    topics = o.root / "units" / "topics.yml"
    topics.write_text(topics.read_text("utf-8") + "\n", "utf-8")
    registry = o.commit_all("li-chu", "整理选题清单")
    assert (registry, "unsigned") in [(v["commit"], v["rule"]) for v in o.audit()]


def test_unsigned_review_when_signing_is_required(signing_office: tuple[Office, dict[str, Path]]) -> None:
    o, keys = signing_office
    signing(o, keys, "zhang-wei")
    item = o.new_item()
    signing(o, keys, None)
    sha = o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"))
    assert [(v["commit"], v["rule"]) for v in o.audit()] == [(sha, "unsigned")]


def test_review_signed_with_another_persons_key(signing_office: tuple[Office, dict[str, Path]]) -> None:
    o, keys = signing_office
    signing(o, keys, "zhang-wei")
    item = o.new_item()
    signing(o, keys, "zhao-fu")  # li-chu signs with zhao-fu's registered key
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    found = o.audit()
    assert rules(found) == {"wrong-signer"}
    assert "不是提交人 李初" in found[0]["message"]


def test_two_reviews_in_one_commit(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    path = o.path(item)
    fm = FrontMatter(path.read_text("utf-8"))
    fm.append("reviews", entry(o, item, "初审", "li-chu"))
    fm.append("reviews", entry(o, item, "复审", "zhao-fu"))
    path.write_text(fm.text(), "utf-8")
    o.commit_all("li-chu", "补记两条审核")
    assert {"review-batch", "review-not-by-tool"} <= rules(o.audit())


@pytest.mark.parametrize("fork", [True, False], ids=["versions-read-ahead-by-the-parent", "each-worker-reads-its-own"])
def test_parallel_audit_matches_serial(git_office: Office, monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    o = git_office
    approved(o)
    item = o.new_item("zhang-wei", "关于增设充电桩的建议")
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)
    serial = audit_mod.audit(Repo(o.root))
    monkeypatch.setattr(audit_mod, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setenv("SQMY_JOBS", "2")
    if not fork:  # where workers are spawned, not forked, they cannot inherit what the parent read
        monkeypatch.setattr(audit_mod.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    parallel = audit_mod.audit(Repo(o.root))
    assert parallel.violations == serial.violations
    assert [v.rule for v in parallel.violations] == ["review-not-by-tool"]
    assert (parallel.changes, parallel.reviews, parallel.commits) == (serial.changes, serial.reviews, serial.commits)


def test_history_read_in_shares_is_the_history_read_at_once(git_office: Office) -> None:
    """Tree diffs and versions are read by several git processes, each a contiguous share: nothing lost or doubled."""
    o = git_office
    approved(o)
    o.new_item("zhang-wei", "关于增设充电桩的建议")
    shas = o.git("rev-list", "HEAD").split()
    with Git(o.root) as git:
        at_once = git.changes(shas)
        assert len(shas) >= 5
        assert set(at_once) == set(shas)
        blobs = [ch.new for found in at_once.values() for ch in found if ch.new]
        for jobs in (2, 3, len(shas) + 4):
            assert git.changes(shas, jobs) == at_once
            assert git.contents(blobs, jobs) == git.contents(blobs) == {b: git.blob(b) for b in blobs}


def test_a_commit_whose_changes_were_not_read_stops_the_audit(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree diffs are read for the commits `git rev-list` lists, beside the log: should the two ever disagree,
    a commit would be judged with no changes at all. The audit stops instead of passing it."""
    o = git_office
    approved(o)
    item = o.new_item("zhang-wei", "关于增设充电桩的建议")
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), trailers=False)
    real = Git.run

    def run(self: Git, *args: str, **kwargs: object) -> str:
        out = real(self, *args, **kwargs)  # type: ignore[arg-type]
        return "\n".join(out.split()[1:]) if args[:1] == ("rev-list",) else out  # the newest commit left out

    monkeypatch.setattr(Git, "run", run)
    with pytest.raises(SqmyError, match="两次列出的提交不一致"):
        audit_mod.audit(Repo(o.root))


def test_a_review_made_to_look_like_the_bridges_needs_the_bridges_key(signing_office: tuple[Office, dict[str, Path]]) -> None:
    """A member writes a "forge" review commit: the reviewer as author, the bridge as committer, signed with the member's own key."""
    o, keys = signing_office
    signing(o, keys, "zhang-wei")
    item = o.new_item()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_COMMITTER_NAME", "sqmy-bridge")
        mp.setenv("GIT_COMMITTER_EMAIL", "bridge@sample.example")
        path = o.path(item)
        fm = FrontMatter(path.read_text("utf-8"))
        fm.append("reviews", entry(o, item, "初审", "li-chu"), before=("routes", "journal"))
        path.write_text(fm.text(), "utf-8")
        e = entry(o, item, "初审", "li-chu")
        message = (f"初审 通过\n\nReview-Item: {item}\nReview-Stage: 初审\nReview-Decision: 通过\nReview-By: li-chu\n"
                   f"Review-Digest: {e['digest']}\nReview-Forge: https://github.com/sample-office/sqmy/pull/7#pullrequestreview-1\n")
        o.git("add", "-A")
        mp.setenv("GIT_AUTHOR_NAME", PEOPLE["li-chu"][0])
        mp.setenv("GIT_AUTHOR_EMAIL", PEOPLE["li-chu"][1])
        o.git("commit", "-q", "-m", message)
    sha = o.git("rev-parse", "HEAD").strip()
    assert [(v["commit"], v["rule"]) for v in o.audit()] == [(sha, "wrong-signer")]


def test_a_signature_present_is_checked_even_when_not_required(signing_office: tuple[Office, dict[str, Path]]) -> None:
    o, keys = signing_office
    office_yml = o.root / "units" / "office.yml"
    office_yml.write_text(office_yml.read_text("utf-8").replace("require_signatures: true", "require_signatures: false"), "utf-8")
    signing(o, keys, "li-chu")  # still required for this change itself
    o.commit_all("li-chu", "审核签名改为自愿")
    signing(o, keys, None)
    item = o.new_item()
    signing(o, keys, "chen-shen")
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0  # signed, with someone else's key
    signing(o, keys, None)
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0  # unsigned: allowed now
    assert rules(o.audit()) == {"wrong-signer"}


def test_shallow_clone_cannot_be_audited_whole(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    o.new_item()
    o.new_item("zhang-wei", "关于增设充电桩的建议")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{o.root}", str(clone)], check=True)
    result = CliRunner().invoke(main, ["--root", str(clone), "audit"])
    assert result.exit_code == 2
    assert "浅克隆" in result.stderr


def test_forge_reviews_come_only_from_the_bridge(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    o.forge_review("li-chu", item, entry(o, item, "初审", "li-chu"), forge="https://github.com/sample-office/sqmy/pull/7#pullrequestreview-1")
    found = o.audit()
    assert rules(found) == {"forge-not-bridge"}
    assert "bridge@sample.example" in found[0]["message"]


def test_readme_explains_every_audit_rule() -> None:
    source = "".join((REPO / "scripts" / "sqmy" / name).read_text("utf-8") for name in ("audit.py", "chain.py"))
    used = set(re.findall(r'(?:flag\([^,]+, [^,]+, |Violation\([^,]+, [^,]+, |return )"([a-z]+(?:-[a-z]+)*)"', source))
    readme = (REPO / "README.md").read_text("utf-8")
    assert used > {"review-edited", "role", "order"}
    assert [rule for rule in sorted(used) if f"`{rule}`" not in readme] == []


def test_a_send_written_by_a_member_or_dated_ahead_is_flagged(git_office: Office) -> None:
    """已上报 rests on the `sent` record: a member cannot write one by hand, nor the office date one after its commit."""
    o = git_office
    item = approved(o)
    path = o.path(item)
    fm = FrontMatter(path.read_text("utf-8"))
    fm.append("sent", {"route": "直报", "to": "市政协办公室", "date": TODAY}, before=("adoptions",))
    path.write_text(fm.text(), "utf-8")
    sha = o.commit_all("zhang-wei", "已报送")
    assert [(v["commit"], v["rule"]) for v in o.audit()] == [(sha, "outcome-not-office")]
    o.git("reset", "-q", "--hard", "HEAD~1")
    fm = FrontMatter(path.read_text("utf-8"))
    ahead = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=30)).isoformat()
    fm.append("sent", {"route": "直报", "to": "市政协办公室", "date": ahead}, before=("adoptions",))
    path.write_text(fm.text(), "utf-8")
    sha = o.commit_all("li-chu", "已报送")  # li-chu holds the office role too
    assert (sha, "outcome-date") in [(v["commit"], v["rule"]) for v in o.audit()]
