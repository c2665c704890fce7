"""sqmy stats on offices built for the purpose, the seed's year first."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from .conftest import Invoke
from .factory import write_item


@pytest.fixture
def empty(office: Path) -> Path:
    """The sample office's registry without its items."""
    shutil.rmtree(office / "items")
    return office


def seed_year(root: Path) -> None:
    """The seed's year: 357 collected, 218 edited, 172 reported, 35 adopted by the city, 46 transferred, 15 with feedback."""
    start = dt.date(2025, 1, 6)
    for n in range(357):
        day = start + dt.timedelta(days=n % 320)
        source = "提案转化" if n % 6 == 0 else "委员调研"  # 60 of them
        if n >= 218:
            write_item(root, n, day, decided="不予上报" if n % 2 else None, source=source)
            continue
        routes = ["直报"] if n < 172 else []
        outcomes: dict[str, object] = {}
        if routes:  # 上报 counts what was sent
            outcomes["sent"] = [{"route": "直报", "to": "市政协办公室", "date": (day + dt.timedelta(days=3)).isoformat()}]
        if n < 35:
            outcomes["adoptions"] = [{"level": "市政协", "date": (day + dt.timedelta(days=20)).isoformat()}]
        if 100 <= n < 146:
            routes.append("转办")
            sent = day + dt.timedelta(days=5)
            transfer: dict[str, object] = {"to": "xian-zhujianju", "date": sent.isoformat(), "due": (sent + dt.timedelta(days=30)).isoformat()}
            if n < 115:
                result = "已落实" if n < 110 else "正在落实"
                transfer["feedback"] = {"date": (sent + dt.timedelta(days=20)).isoformat(), "result": result}
            outcomes["transfers"] = [transfer]
        write_item(root, n, day, routes=tuple(routes), source=source, **outcomes)


def test_the_seeds_year_gives_the_seeds_figures(empty: Path, sqmy: Invoke) -> None:
    seed_year(empty)
    assert sqmy("validate").exit_code == 0
    result = sqmy("stats", "--year", "2025", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("period", "collected", "edited", "reported", "transferred", "feedback", "implemented")} == {
        "period": "2025", "collected": 357, "edited": 218, "reported": 172, "transferred": 46, "feedback": 15, "implemented": 10,
    }
    assert data["adopted"] == {"市政协": 35, "省政协": 0, "全国政协": 0}
    assert data["converted"] == 60
    assert data["funnel"] == {"edited_of_collected": 0.6106, "reported_of_edited": 0.789, "adopted_of_reported": 0.2035}
    assert data["median_days"]["submitted_to_final"] == 3.0
    assert data["median_days"]["transfer_to_feedback"] == 20.0
    assert sum(u["collected"] for u in data["by"]["unit"].values()) == 357
    assert data["by"]["month"]["2025-01"]["collected"] > 0
    quota = {q["unit"]: q for q in data["quota"]}
    assert quota["chengguan-lianluozu"]["quota"] == 5
    assert quota["chengguan-lianluozu"]["completion"] == round(357 / 5, 4)


def test_periods(empty: Path, sqmy: Invoke) -> None:
    for n, day in enumerate([dt.date(2025, 2, 1), dt.date(2025, 8, 1), dt.date(2025, 8, 20), dt.date(2026, 1, 3)]):
        write_item(empty, n, day)

    def collected(*args: str) -> int:
        value: int = json.loads(sqmy("stats", *args, "--format", "json").stdout)["collected"]
        return value

    assert collected("--year", "2025") == 3
    assert collected("--period", "2025Q3") == 2
    assert collected("--period", "2025H1") == 1
    assert collected("--period", "2025-08") == 2
    assert collected("--from", "2025-08-10", "--to", "2026-01-31") == 2
    assert collected() == 1  # this year (2026) by default
    bad = sqmy("stats", "--period", "2025Q5")
    assert bad.exit_code == 2
    assert "--period “2025Q5”无效" in bad.stderr


def test_text_md_csv_and_xlsx(empty: Path, sqmy: Invoke, tmp_path: Path) -> None:
    seed_year(empty)
    text = sqmy("stats", "--year", "2025").stdout
    assert "样本县政协社情民意信息统计（2025）" in text
    assert "采编率（采编/采集）       61.1%" in text
    assert "【按单位】" in text
    md = sqmy("stats", "--year", "2025", "--format", "md", "--by", "month").stdout
    assert "## 按月份" in md
    assert "| 2025-01 |" in md
    csv_text = sqmy("stats", "--year", "2025", "--format", "csv", "--by", "source").stdout
    assert csv_text.splitlines()[0].startswith("信息来源,采集,采编,上报")
    assert "提案转化,60," in csv_text
    out = tmp_path / "stats.xlsx"
    result = sqmy("stats", "--year", "2025", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["总体", "按单位", "按反映人", "按选题类别", "按选题重点", "按年度重点选题", "按信息来源", "按月份", "任务完成", "年度重点选题"]
    summary = {row[0]: row[1] for row in book["总体"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert (summary["采集"], summary["采编"], summary["上报"], summary["市政协采用"]) == (357, 218, 172, 35)
    assert book["总体"]["B15"].number_format == "0.0%"
    assert book["按单位"].print_title_rows == "$2:$2"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_stats_of_an_empty_period(empty: Path, sqmy: Invoke, fmt: str) -> None:
    result = sqmy("stats", "--year", "2030", "--format", fmt)
    assert result.exit_code == 0
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["collected"] == 0
        assert data["funnel"]["edited_of_collected"] is None
