"""Every role's to-do list (status --for, the office included), sending recorded, and one 已落实 for status and stats."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from .conftest import Invoke
from .factory import write_item
from .gitoffice import Office
from .test_outcomes import approved


def todo(o: Office, person: str) -> list[tuple[str, str]]:
    result = o.sqmy(person, "status", "--for", person, "--format", "json")
    assert result.exit_code == 0, result.output
    return [(r["id"], r["kind"]) for r in json.loads(result.stdout)]


def status_of(o: Office, item: str) -> dict[str, object]:
    result = o.sqmy("li-chu", "status", item, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_the_office_list_follows_an_item_from_approval_to_the_follow_ups(git_office: Office) -> None:
    o = git_office
    item = approved(o)  # routes 直报, 参阅, 转办
    assert o.sqmy("li-chu", "status", item).stdout.splitlines()[-5:] == [
        "下一步：",
        "  编入期刊（sqmy journal new 或 add）；办理人：李初",
        "  报送直报（报出后 sqmy record 编号 sent --route 直报 --to 报送对象）；办理人：李初",
        "  报送参阅件（报出后 sqmy record 编号 sent --route 参阅 --to 报送对象）；办理人：李初",
        "  出具转办函（sqmy record 编号 transfer --to 承办单位）；办理人：李初",
    ]
    assert todo(o, "li-chu") == [(item, "journal"), (item, "send"), (item, "send"), (item, "transfer")]
    assert todo(o, "chen-shen") == []  # the office's work is not the reviewers'
    assert status_of(o, item)["status"] == "已审定"  # 直报 chosen, not yet sent: not 已上报

    sent = o.sqmy("li-chu", "record", item, "sent", "--route", "直报", "--to", "市政协办公室")
    assert sent.exit_code == 0, sent.output
    assert o.data(item)["sent"] == [{"route": "直报", "to": "市政协办公室", "date": "2026-11-28"}]
    assert status_of(o, item)["status"] == "已上报"
    rows = json.loads(o.sqmy("li-chu", "status", "--for", "li-chu", "--format", "json").stdout)
    assert [r["action"] for r in rows if r["kind"] == "send"] == ["报送参阅件（报出后 sqmy record 编号 sent --route 参阅 --to 报送对象）"]

    assert o.sqmy("li-chu", "record", item, "sent", "--route", "参阅", "--to", "县委办、县政府办").exit_code == 0
    assert o.sqmy("li-chu", "record", item, "transfer", "--to", "xian-zhujianju", "--due", "2026-12-03").exit_code == 0
    assert o.sqmy("li-chu", "journal", "new", item).exit_code == 0
    rows = json.loads(o.sqmy("li-chu", "status", "--for", "li-chu", "--format", "json").stdout)
    assert [(r["kind"], r["due"], r["due_in_days"]) for r in rows] == [("transfer-due", "2026-12-03", 5)]  # due within a week
    table = o.sqmy("li-chu", "status", "--for", "li-chu").stdout
    assert "督办转办反馈：样本县住房和城乡建设局（〔2026〕1号）" in table
    assert "2026-12-03（还有 5 天）" in table

    assert o.sqmy("li-chu", "record", item, "feedback", "--date", "2026-11-28", "--result", "正在落实").exit_code == 0
    assert todo(o, "li-chu") == []
    assert o.sqmy("li-chu", "validate").exit_code == 0
    assert o.audit() == []  # the sending was recorded by the office, in a commit of its own


def test_status_of_an_item_ends_with_the_next_step_and_who_takes_it(git_office: Office) -> None:
    o = git_office
    item = o.new_item()
    assert o.sqmy("li-chu", "status", item).stdout.splitlines()[-1] == "下一步：初审（sqmy review 编号 初审 通过/退回修改/不予上报）；办理人：李初、赵复"
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.sqmy("li-chu", "status", item).stdout.splitlines()[-1] == "下一步：复审（sqmy review 编号 复审 通过/退回修改/不予上报）；办理人：赵复"
    assert o.review("zhao-fu", item, "复审", "退回修改", "-m", "请补充数据").exit_code == 0
    assert o.sqmy("li-chu", "status", item).stdout.splitlines()[-1] == "下一步：反映人修改后重新提交复审；办理人：张薇"
    assert todo(o, "zhang-wei") == [("2025-1201-zhangwei-1", "submit"), (item, "revise")]


def test_a_transfer_due_later_waits_and_an_instruction_due_soon_is_listed(git_office: Office) -> None:
    o = git_office
    item = approved(o, routes=("转办",))
    assert o.sqmy("li-chu", "journal", "new", item).exit_code == 0
    assert o.sqmy("li-chu", "record", item, "transfer", "--to", "xian-zhujianju").exit_code == 0  # due in 30 days
    assert todo(o, "li-chu") == []
    done = o.sqmy("li-chu", "record", item, "instruction", "--level", "县委", "--leader", "主要领导", "--date", "2026-11-28",
                  "--summary", "请研究")
    assert done.exit_code == 0, done.output
    assert todo(o, "li-chu") == []  # 30 days for an instruction's result: not due within a week
    detail = o.sqmy("li-chu", "status", item).stdout.splitlines()
    assert detail[-1] == "下一步：暂无待办，等待采用、批示或反馈"


def test_sending_is_checked_before_anything_is_written(git_office: Office) -> None:
    o = git_office
    item = approved(o, routes=("直报",))
    head = o.git("rev-parse", "HEAD")
    for args, message in [
        (("--route", "参阅", "--to", "县委办"), "审定时没有选择“参阅”渠道"),
        (("--route", "直报"), "请写明报送给谁"),
        (("--route", "直报", "--to", "市政协", "--date", "2026-11-29"), "晚于今天"),
        (("--route", "直报", "--to", "市政协", "--date", "2026-01-02"), "早于审定日期"),
        (("--to", "市政协"), "报送渠道（--route）应为"),
    ]:
        refused = o.sqmy("li-chu", "record", item, "sent", *args)
        assert refused.exit_code == 1, args
        assert message in refused.stderr, (args, refused.stderr)
    assert o.git("rev-parse", "HEAD") == head
    assert o.sqmy("zhang-wei", "record", item, "sent", "--route", "直报", "--to", "市政协").exit_code == 1  # not the office
    assert o.sqmy("li-chu", "record", item, "sent", "--route", "直报", "--to", "市政协").exit_code == 0
    again = o.sqmy("li-chu", "record", item, "sent", "--route", "直报", "--to", "市政协")
    assert again.exit_code == 1
    assert "已经记录过" in again.stderr


def test_validate_checks_the_sending_record(office: Path, sqmy: Invoke) -> None:
    shutil.rmtree(office / "items")
    day = dt.date(2026, 3, 2)
    write_item(office, 1, day, routes=("直报",), sent=[{"route": "直报", "to": "市政协", "date": "2026-03-10"}])
    write_item(office, 2, day, routes=("直报",))  # chosen, not sent: valid, as items written before the field
    write_item(office, 3, day, routes=("直报",), sent=[{"route": "参阅", "to": "县委办", "date": "2026-03-10"}])
    write_item(office, 4, day, routes=("直报",), sent=[{"route": "直报", "to": "市政协", "date": "2026-12-01"}])
    write_item(office, 5, day, routes=("直报",), sent=[{"route": "直报", "to": "市政协", "date": "2026-02-01"}])
    write_item(office, 6, day, routes=("直报",), sent=[{"route": "转办", "to": "市政协", "date": "2026-03-10"}])
    write_item(office, 7, day, decided=None)
    path = office / "items/2026/2026-0302-t-7.md"
    path.write_text(path.read_text("utf-8").replace("---\n\n", "sent:\n  - {route: 直报, to: 市政协, date: 2026-03-10}\n---\n\n", 1), "utf-8")
    found = json.loads(sqmy("validate", "--format", "json").stdout)
    rules = sorted((f["path"].rsplit("/", 1)[-1], f["rule"]) for f in found if f["path"].startswith("items/"))
    assert rules == [
        ("2026-0302-t-3.md", "route-missing"),
        ("2026-0302-t-4.md", "date-future"),
        ("2026-0302-t-5.md", "date-order"),
        ("2026-0302-t-6.md", "enum"),
        ("2026-0302-t-7.md", "outcome-before-approval"),
    ], found


def test_imported_history_is_not_chased_but_its_open_follow_ups_are(office: Path, sqmy: Invoke) -> None:
    """Items approved before the office used sqmy (imported) need no journal or sending now; a transfer still open does."""
    shutil.rmtree(office / "items")
    day = dt.date(2026, 3, 2)
    write_item(office, 1, day, routes=("直报", "参阅", "转办"))
    open_transfer = write_item(office, 2, day, routes=("转办",), transfers=[{"to": "xian-zhujianju", "date": "2026-03-10", "due": "2026-12-01"}])
    rows = json.loads(sqmy("status", "--for", "li-chu", "--format", "json").stdout)
    assert [(r["id"], r["kind"], r["days"], r["due_in_days"]) for r in rows] == [(open_transfer, "transfer-due", 263, 3)]


def test_status_and_stats_agree_on_implemented(office: Path, sqmy: Invoke) -> None:
    """已落实 by a solved entry, by a transfer's feedback, by an instruction's feedback; not by 正在落实."""
    shutil.rmtree(office / "items")
    day = dt.date(2026, 3, 2)
    feedback = {"date": "2026-04-01", "result": "已落实"}
    transfer = {"to": "xian-zhujianju", "date": "2026-03-10", "due": "2026-04-09"}
    solved = write_item(office, 1, day, solved=[{"date": "2026-04-01", "summary": "解决了"}])
    by_transfer = write_item(office, 2, day, routes=("转办",), transfers=[{**transfer, "feedback": feedback}])
    by_instruction = write_item(office, 3, day, journal={"year": 2026, "issue": 1},
                                instructions=[{"level": "县委", "leader": "主要领导", "date": "2026-03-10", "feedback": feedback}])
    write_item(office, 4, day, routes=("转办",), transfers=[{**transfer, "feedback": {**feedback, "result": "正在落实"}}])
    write_item(office, 5, day)
    rows = json.loads(sqmy("status", "--format", "json").stdout)
    assert sorted(r["id"] for r in rows if "已落实" in r["statuses"]) == sorted([solved, by_transfer, by_instruction])
    stats = json.loads(sqmy("stats", "--year", "2026", "--format", "json").stdout)
    assert stats["implemented"] == 3
    detail = sqmy("status", by_instruction).stdout
    assert "批示：县委主要领导 2026-03-10" in detail
    assert "2026-04-01 落实情况：已落实" in detail
    assert detail.splitlines()[-1] == "下一步：已落实，办理完毕"
    solved_detail = sqmy("status", solved).stdout
    assert "推动解决：2026-04-01 解决了" in solved_detail
    assert solved_detail.splitlines()[-1] == "下一步：已落实，办理完毕"


def test_status_and_stats_agree_on_the_demo_office(demo: Path, sqmy: Invoke) -> None:
    rows = json.loads(sqmy("status", "--format", "json").stdout)
    for year in sorted({r["submitted"][:4] for r in rows if r["submitted"]}):
        stats = json.loads(sqmy("stats", "--year", year, "--format", "json").stdout)
        by_status = sum(1 for r in rows if (r["submitted"] or "").startswith(year) and "已落实" in r["statuses"])
        assert stats["implemented"] == by_status, year
    assert any("已落实" in r["statuses"] for r in rows)
