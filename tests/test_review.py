"""sqmy review in real Git repositories: what it writes, commits and refuses."""

from __future__ import annotations

import json

import pytest

from .gitoffice import Office


def test_full_chain_under_four_identities_merged_audits_clean(git_office: Office) -> None:
    o = git_office
    o.git("checkout", "-q", "-b", "item/parking")
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "联合复核", "--expert", "sun-zhuan", "-m", "涉及专业内容").exit_code == 0
    assert o.review("sun-zhuan", item, "联合复核", "通过", "-m", "建议可行").exit_code == 0
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    done = o.review("chen-shen", item, "审定", "通过", "--route", "直报", "--route", "转办")
    assert done.exit_code == 0, done.output
    assert "当前状态：已审定" in done.stdout  # routed 直报 at 审定; 已上报 once the office records it sent
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并：关于加强社区停车管理的建议", "item/parking")
    data = o.data(item)
    assert [(r["stage"], r["by"], r["decision"]) for r in data["reviews"]] == [  # type: ignore[union-attr]
        ("初审", "li-chu", "联合复核"), ("联合复核", "sun-zhuan", "通过"), ("初审", "li-chu", "通过"),
        ("复审", "zhao-fu", "通过"), ("审定", "chen-shen", "通过"),
    ]
    assert data["routes"] == ["直报", "转办"]
    assert all(r["digest"] == o.digest(item) for r in data["reviews"])  # type: ignore[union-attr]
    # each review is its own commit, authored by the reviewer, with trailers
    log = o.git("log", "--format=%ae|%(trailers:key=Review-Stage,valueonly)", "item/parking", "-5").split("\n")
    assert [line.strip() for line in log if line.strip()] == [
        "chen.shen@sample.example|审定", "zhao.fu@sample.example|复审", "li.chu@sample.example|初审",
        "sun.zhuan@sample.example|联合复核", "li.chu@sample.example|初审",
    ]
    result = o.sqmy("li-chu", "audit")
    assert result.exit_code == 0, result.output
    assert "未发现违规" in result.stdout
    assert o.audit() == []


@pytest.mark.parametrize(
    ("person", "steps", "stage", "decision", "extra", "rule_text"),
    [
        ("outsider", [], "初审", "通过", (), "不在人员名册中"),
        ("zhang-wei", [], "初审", "通过", (), "没有“初审”角色"),
        ("wang-fu", [("li-chu", "初审", "通过")], "复审", "通过", (), "没有“复审”角色"),  # role ended 2025-06-30
        ("zhao-fu", [], "复审", "通过", (), "“初审”尚未通过，不能进行“复审”"),
        ("zhao-fu", [("zhao-fu", "初审", "通过")], "复审", "通过", (), "同一人不能签署同一条信息的两个环节"),
        ("chen-shen", [("li-chu", "初审", "通过"), ("zhao-fu", "复审", "通过")], "审定", "通过", (), "须选择转化渠道"),
        ("li-chu", [("li-chu", "初审", "不予上报")], "初审", "通过", (), "审核已结束"),
        ("li-chu", [("li-chu", "初审", "退回修改")], "初审", "通过", (), "被退回修改后尚未修改"),
        ("li-chu", [], "初审", "通过", ("--route", "直报"), "只有审定通过时才选择转化渠道"),
        ("li-chu", [], "初审", "联合复核", (), "须指定专家"),
        ("li-chu", [], "初审", "联合复核", ("--expert", "zhang-wei"), "没有“专家”角色"),
        ("sun-zhuan", [], "联合复核", "通过", (), "只有初审提请联合复核时指定的专家"),
        ("li-chu", [("li-chu", "初审", "联合复核", "--expert", "sun-zhuan")], "初审", "通过", (), "联合复核尚未完成"),
    ],
)
def test_refusals_write_nothing(
    git_office: Office, person: str, steps: list[tuple[str, ...]], stage: str, decision: str, extra: tuple[str, ...], rule_text: str
) -> None:
    o = git_office
    item = o.new_item()
    for who, *args in steps:
        assert o.review(who, item, *args).exit_code == 0
    before = o.path(item).read_bytes()
    head = o.git("rev-parse", "HEAD")
    result = o.review(person, item, stage, decision, *extra)
    assert result.exit_code in (1, 2)
    assert rule_text in result.stderr
    assert o.path(item).read_bytes() == before
    assert o.git("rev-parse", "HEAD") == head
    assert o.git("status", "--porcelain") == ""


def test_refuses_self_review(git_office: Office) -> None:
    item = git_office.new_item("zhao-fu", "关于规范停车的建议")  # zhao-fu can do 初审, but wrote this
    result = git_office.review("zhao-fu", item, "初审", "通过")
    assert result.exit_code == 1
    assert "反映人不能审核自己的信息" in result.stderr


def test_refuses_when_the_item_has_uncommitted_changes(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n补充一句。\n", "utf-8")
    result = o.review("li-chu", item, "初审", "通过")
    assert result.exit_code == 1
    assert "有未提交的修改" in result.stderr
    assert path.read_text("utf-8").endswith("补充一句。\n")


def test_revision_after_return_then_review_again(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "退回修改", "-m", "请补充数据").exit_code == 0
    assert json.loads(o.sqmy("zhang-wei", "status", item, "--format", "json").stdout)["status"] == "退回修改"
    path = o.path(item)
    path.write_text(path.read_text("utf-8") + "\n据调查，缺口约 300 个车位。\n", "utf-8")
    o.commit_all("zhang-wei", "按初审意见修改")
    assert json.loads(o.sqmy("zhang-wei", "status", item, "--format", "json").stdout)["status"] == "待初审"
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.audit() == []


def test_changed_text_needs_the_approval_again(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("增设停车位", "增设立体停车位"), "utf-8")
    o.commit_all("zhang-wei", "修改建议")
    refused = o.review("zhao-fu", item, "复审", "通过")
    assert refused.exit_code == 1
    assert "内容在审核通过后有改动，需要重新审核" in refused.stderr
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.audit() == []


def test_review_json_and_the_morning_list(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    waiting = json.loads(o.sqmy("li-chu", "status", "--for", "li-chu", "--format", "json").stdout)
    assert [(r["id"], r["action"]) for r in waiting] == [(item, "初审")]
    assert json.loads(o.sqmy("zhao-fu", "status", "--for", "zhao-fu", "--format", "json").stdout)[0]["action"] == "初审"
    result = o.review("li-chu", item, "初审", "通过", "--format", "json")
    recorded = json.loads(result.stdout)
    assert recorded["status"] == "待复审"
    assert recorded["entry"]["by"] == "li-chu"
    assert recorded["commit"] == o.git("rev-parse", "HEAD").strip()
    assert json.loads(o.sqmy("li-chu", "status", "--for", "li-chu", "--format", "json").stdout) == []
    assert [r["action"] for r in json.loads(o.sqmy("zhao-fu", "status", "--for", "zhao-fu", "--format", "json").stdout)] == ["复审"]
