"""Recording outcomes after 审定 (office only, one commit each) and the journal."""

from __future__ import annotations

import json

import pytest

from .gitoffice import Office


def approved(o: Office, title: str = "关于加强社区停车管理的建议", routes: tuple[str, ...] = ("直报", "参阅", "转办")) -> str:
    item = o.new_item("zhang-wei", title)
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    extra = [word for route in routes for word in ("--route", route)]
    assert o.review("chen-shen", item, "审定", "通过", *extra).exit_code == 0
    return item


def test_every_outcome_recorded_by_the_office_audits_clean(git_office: Office) -> None:
    o = git_office
    item = approved(o)
    steps = [
        ("adoption", "--level", "市政协", "--date", "2026-11-28", "--ref", "市政协《社情民意信息》2026年第40期"),
        ("adoption", "--level", "省政协", "--date", "2026-11-28", "--mode", "转报采用"),
        ("instruction", "--level", "县委", "--leader", "主要领导", "--date", "2026-11-28", "--summary", "请县住建局研究办理", "--assign", "xian-zhujianju"),
        ("transfer", "--to", "xian-zhujianju"),
        ("feedback", "--date", "2026-11-28", "--result", "已落实", "--summary", "已增设停车位 120 个"),
        ("feedback", "--instruction", "1", "--date", "2026-11-28", "--result", "正在落实"),
        ("solved", "--date", "2026-11-28", "--summary", "城关街道增设停车位 120 个"),
    ]
    for kind, *args in steps:
        result = o.sqmy("li-chu", "record", item, kind, *args)
        assert result.exit_code == 0, (kind, result.output)
        assert result.stdout.startswith("已记录：")
    data = o.data(item)
    assert [a["level"] for a in data["adoptions"]] == ["市政协", "省政协"]  # type: ignore[union-attr, index]
    assert data["adoptions"][1]["mode"] == "转报采用"  # type: ignore[index]
    transfer = data["transfers"][0]  # type: ignore[index]
    assert (transfer["letter"], transfer["due"], transfer["feedback"]["result"]) == ("〔2026〕1号", "2026-12-28", "已落实")
    assert data["instructions"][0]["feedback"]["result"] == "正在落实"  # type: ignore[index]
    assert data["solved"][0]["summary"] == "城关街道增设停车位 120 个"  # type: ignore[index]
    status = json.loads(o.sqmy("li-chu", "status", item, "--format", "json").stdout)
    assert status["status"] == "已落实"
    log = o.git("log", "--format=%ae %s", "-7").splitlines()
    assert all(line.startswith("li.chu@sample.example ") for line in log)  # one commit each, by the office
    assert o.audit() == []


def test_letter_numbers_run_on_through_the_year(git_office: Office) -> None:
    o = git_office
    first, second = approved(o), approved(o, "关于增设充电桩的建议")
    assert o.sqmy("li-chu", "record", first, "transfer", "--to", "xian-zhujianju").exit_code == 0
    result = o.sqmy("li-chu", "record", second, "transfer", "--to", "xian-zhujianju", "--due", "2026-12-10")
    assert "〔2026〕2号" in result.stdout
    assert o.data(second)["transfers"][0]["due"] == "2026-12-10"  # type: ignore[index]


@pytest.mark.parametrize(
    ("person", "args", "message"),
    [
        ("zhang-wei", ("adoption", "--level", "市政协", "--date", "2026-11-28"), "没有“办公室”角色"),
        ("li-chu", ("adoption", "--level", "县政协", "--date", "2026-11-28"), "采用层级（--level）应为：市政协、省政协、全国政协"),
        ("li-chu", ("adoption", "--level", "市政协", "--date", "2026-12-01"), "晚于今天"),
        ("li-chu", ("adoption", "--level", "市政协", "--date", "2026-11-27"), "早于审定日期"),
        ("li-chu", ("adoption", "--level", "市政协"), "请给出采用日期"),
        ("li-chu", ("instruction", "--level", "县委", "--leader", "主要领导", "--date", "2026-11-28"), "请写明批示摘要"),
        ("li-chu", ("transfer", "--to", "shefawei"), "承办单位（--to）应为名册中的部门或镇（办）"),
        ("li-chu", ("feedback", "--date", "2026-11-28", "--result", "已落实"), "没有转办记录"),
        ("li-chu", ("solved", "--date", "2026-11-28"), "请写明解决了什么问题"),
    ],
)
def test_refusals_write_nothing(git_office: Office, person: str, args: tuple[str, ...], message: str) -> None:
    o = git_office
    item = approved(o)
    head = o.git("rev-parse", "HEAD")
    before = o.path(item).read_bytes()
    result = o.sqmy(person, "record", item, *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert o.path(item).read_bytes() == before
    assert o.git("rev-parse", "HEAD") == head
    assert o.git("status", "--porcelain") == ""


def test_outcomes_need_approval_and_the_route(git_office: Office) -> None:
    o = git_office
    pending = o.new_item()
    result = o.sqmy("li-chu", "record", pending, "adoption", "--level", "市政协", "--date", "2026-11-28")
    assert result.exit_code == 1
    assert "尚未审定通过" in result.stderr
    item = approved(o, routes=("直报",))
    result = o.sqmy("li-chu", "record", item, "transfer", "--to", "xian-zhujianju")
    assert "没有选择“转办”渠道" in result.stderr


def test_journal_issues_are_numbered_by_year(git_office: Office) -> None:
    o = git_office
    a, b, c = approved(o), approved(o, "关于增设充电桩的建议"), approved(o, "关于整治噪声的建议")
    first = o.sqmy("li-chu", "journal", "new", a, b)
    assert first.exit_code == 0, first.output
    assert "2026年第1期（2 条）" in first.stdout
    journal = o.data(a)["journal"]
    assert {k: journal[k] for k in ("year", "issue")} == {"year": 2026, "issue": 1}  # type: ignore[index]
    assert o.data(b)["journal"] == journal  # one issue, one mark
    assert "2026年第2期" in o.sqmy("li-chu", "journal", "new", c).stdout
    assert o.data(c)["journal"]["token"] != journal["token"]  # type: ignore[index]
    again = o.sqmy("li-chu", "journal", "add", "1", c)
    assert again.exit_code == 1
    assert "已编入2026年第2期" in again.stderr
    listing = json.loads(o.sqmy("li-chu", "journal", "list", "--format", "json").stdout)
    assert [(i["issue"], len(i["items"])) for i in listing] == [(1, 2), (2, 1)]
    missing = o.sqmy("li-chu", "journal", "add", "9", a)
    assert "第9期还没有开设" in missing.stderr
    not_office = o.sqmy("zhang-wei", "journal", "new", c)
    assert not_office.exit_code == 1
    assert o.audit() == []


def test_overdue_follow_ups(git_office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    o = git_office
    item = approved(o)
    assert o.sqmy("li-chu", "record", item, "transfer", "--to", "xian-zhujianju", "--due", "2026-11-28").exit_code == 0
    args = ("--level", "县政府", "--leader", "分管领导", "--date", "2026-11-28", "--summary", "请研究")
    assert o.sqmy("li-chu", "record", item, "instruction", *args).exit_code == 0
    monkeypatch.setenv("SQMY_TODAY", "2027-01-20")
    rows = json.loads(o.sqmy("li-chu", "status", "--overdue", "--format", "json").stdout)
    assert [(r["kind"], r["overdue_days"]) for r in rows] == [("转办", 53), ("批示", 23)]  # instructions: 30 days by default
