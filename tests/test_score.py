"""sqmy score: the office's rules as data, a published rule set, rankings and thresholds."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from sqmy.score import rank

from .conftest import SAMPLES, Invoke
from .factory import write_item

D = dt.date(2025, 3, 3)
CITY = [{"level": "市政协", "date": "2025-04-01"}]


@pytest.fixture
def scored(office: Path) -> Path:
    """Items whose points are easy to count by hand."""
    shutil.rmtree(office / "items")
    # 张薇, first author of three items in 城关委员联络组
    write_item(office, 1, D)  # 10
    write_item(office, 2, D, routes=("直报",), adoptions=CITY)  # 10 + 5 = 15
    write_item(office, 3, D, routes=("直报",), adoptions=[*CITY, {"level": "省政协", "date": "2025-05-01"}])  # 10+5+5 = 20 → 15
    # 李初, first author with 张薇 as co-author, a converted proposal, in 社法委
    write_item(office, 4, D, authors=("li-chu", "zhang-wei"), unit="shefawei", source="提案转化")  # 10 shared; 15 first / 10 co
    # 王复 alone, one adopted item in 县住建局 (a unit with a single item)
    write_item(office, 5, D, authors=("wang-fu",), unit="xian-zhujianju", routes=("直报",), adoptions=CITY)  # 15
    # a rejected item still counts as submitted
    write_item(office, 6, D, authors=("wang-fu",), unit="xian-zhujianju", decided="不予上报")  # 10
    return office


def test_published_rules_score_the_hand_computed_example(scored: Path, sqmy: Invoke) -> None:
    result = sqmy("score", "--year", "2025", "--rules", str(SAMPLES / "scoring-published.yml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    people = {r["person"]: (r["points"], r["items"], r["rank"], r["grade"]) for r in data["people"]}
    # 张薇: 10 + 15 + 15 + (item 4 as co-author: 0 of the shared 10, plus 10 for a converted proposal) = 50
    # 李初: 10 + 15 = 25;  王复: 15 + 10 = 25
    assert people == {"zhang-wei": (50, 4, 1, "不称职"), "li-chu": (25, 1, 2, "不称职"), "wang-fu": (25, 2, 2, "不称职")}
    units = {r["unit"]: (r["points"], r["items"]) for r in data["units"]}
    assert units["chengguan-lianluozu"] == (40, 3)
    assert units["shefawei"] == (25, 1)  # the item's shared points and its first author's points
    assert units["xian-zhujianju"] == (25, 2)


def test_one_adopted_item_does_not_top_the_rate_ranking(scored: Path, sqmy: Invoke) -> None:
    data = json.loads(sqmy("score", "--year", "2025", "--rules", str(SAMPLES / "scoring-published.yml"), "--format", "json").stdout)
    rates = [(r["unit"], r["rank"], r["rate"]) for r in data["adoption_rate"]]
    # 县住建局 has the best rate (1 of 2) but too few items; 社法委 1 item; 城关: 2 of 3
    assert rates[0] == ("chengguan-lianluozu", 1, 0.6667)
    assert {(u, rank) for u, rank, _ in rates[1:]} == {("xian-zhujianju", None), ("shefawei", None)}
    text = sqmy("score", "--year", "2025", "--rules", str(SAMPLES / "scoring-published.yml")).stdout
    assert "采集不足 3 篇的单位不参加采用率排名" in text


def test_the_demo_office_rules(demo: Path, sqmy: Invoke) -> None:
    result = sqmy("score", "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rules"].startswith("示例县政协社情民意信息工作考评办法")
    top = data["people"][0]
    assert top["rank"] == 1
    assert [p["points"] for p in data["people"]] == sorted((p["points"] for p in data["people"]), reverse=True)
    assert all(u["rank"] is None for u in data["adoption_rate"] if u["items"] < data["min_items"])
    quota_units = [u for u in data["units"] if u["quota"]]
    assert quota_units
    assert all(u["grade"] in ("优秀", "称职", "不称职") for u in data["units"])


def test_bad_rules_are_reported_with_file_and_line(scored: Path, sqmy: Invoke, tmp_path: Path) -> None:
    bad = tmp_path / "rules.yml"
    bad.write_text("name: 坏办法\npoints:\n  submitted: 十分\ngrades: []\n", "utf-8")
    result = sqmy("score", "--rules", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.stderr
    assert f"{bad}:4:" in result.stderr


def test_office_without_rules(scored: Path, sqmy: Invoke) -> None:
    result = sqmy("score")
    assert result.exit_code == 2
    assert "没有考评办法" in result.stderr


def test_ties_share_a_rank() -> None:
    assert rank([90, 80, 80, 70, 70, 70, 10]) == [1, 2, 2, 4, 4, 4, 7]
    assert rank([]) == []


def test_xlsx_of_scores(scored: Path, sqmy: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "score.xlsx"
    assert sqmy("score", "--year", "2025", "--rules", str(SAMPLES / "scoring-published.yml"), "--format", "xlsx", "-o", str(out)).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["履职积分", "单位积分", "采用率排名"]
    assert [c.value for c in book["履职积分"][2]] == ["名次", "姓名", "单位", "信息（含合写）", "第一反映人", "积分", "等次"]
