"""`sqmy overview` and the archive's 各县汇总: a city made by `sqmy init`, with three counties' real exports.

The counties are real offices exported with `sqmy export`: the demo office (internal and, as another county,
public) and the sample office (internal). Each county's figures in the overview are its own `sqmy stats`;
what fails its checks is refused, what units/network.yml does not list is skipped; the public archive shows
only the public exports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from sqmy import export as export_mod
from sqmy import overview as overview_mod
from sqmy import stats as stats_mod
from sqmy.cli import main
from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site.edition import edition

from .conftest import REPO, SAMPLES, TODAY

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
PEOPLE = {"zhou-jing": ("周静", "zhou.jing@city.example", "办公室"), "wu-tao": ("吴涛", "wu.tao@city.example", "初审"),
          "zheng-bo": ("郑博", "zheng.bo@city.example", "复审"), "feng-yu": ("冯雨", "feng.yu@city.example", "审定")}
# office id in the city's units/network.yml: (its name there, the office exported, the audience)
COUNTIES = {"shili-xian": ("示例县政协", REPO, "internal"), "gongkai-xian": ("公开县政协", REPO, "public"),
            "yangben-xian": ("样本县政协", SAMPLES / "office", "internal")}
YEARS = (2025, 2026)


def run(*args: str, root: Path | None = None) -> Result:
    return CliRunner().invoke(main, [*(["--root", str(root)] if root else []), *args], catch_exceptions=False)


def network(offices: dict[str, str]) -> str:
    lines = ["id: shangluo-shi", f"key: {KEY}", "offices:"]
    lines += [f"  - {{id: {office}, name: {name}, key: {KEY}, unit: shili-lianluozu}}" for office, name in offices.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """商洛市政协 made by `sqmy init`, its units/network.yml listing the three counties, their exports in exports/."""
    tmp = tmp_path_factory.mktemp("city")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        mp.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for who in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")
            mp.setenv(f"GIT_{who}_NAME", "周静")
            mp.setenv(f"GIT_{who}_EMAIL", "zhou.jing@city.example")
        answers = ["county: 商洛市", f"year: {TODAY[:4]}", "sqmy_package: sqmy @ git+https://example.org/sqmy.git@v0.1.0", "people:"]
        answers += [f"  {role}: {{id: {pid}, name: {name}, email: {email}}}" for pid, (name, email, role) in PEOPLE.items()]
        (tmp / "answers.yml").write_text("\n".join(answers) + "\n", "utf-8")
        root = tmp / "商洛市"
        made = run("init", str(root), "--answers", str(tmp / "answers.yml"))
        assert made.exit_code == 0, made.output
        units = root / "units" / "units.yml"
        units.write_text(units.read_text("utf-8") + "- {id: shili-lianluozu, name: 示例县政协联络组, kind: 参加单位}\n", "utf-8")
        (root / "units" / "network.yml").write_text(network({office: name for office, (name, _, _) in COUNTIES.items()}), "utf-8")
        for office, (_, source, audience) in COUNTIES.items():
            done = run("export", "-o", str(root / "exports" / office), "--audience", audience, root=source)
            assert done.exit_code == 0, done.output
        checked = run("validate", root=root)
        assert checked.exit_code == 0, checked.output
        yield root


def overview_json(root: Path, *args: str) -> tuple[dict[str, Any], Result]:
    result = run("overview", "--format", "json", *args, root=root)
    return json.loads(result.stdout), result


def copy_of(city: Path, tmp_path: Path) -> Path:
    """The city's exports, copied (to be changed)."""
    shutil.copytree(city / "exports", tmp_path / "exports")
    return tmp_path / "exports"


# --- the figures are each county's own ---------------------------------------------------------------------


def test_each_countys_figures_are_its_sqmy_stats(city: Path) -> None:
    data, result = overview_json(city)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert [c["office"] for c in data["counties"]] == list(COUNTIES)
    assert [c["audience"] for c in data["counties"]] == [audience for _, _, audience in COUNTIES.values()]
    for office, (name, source, audience) in COUNTIES.items():
        if audience != "internal":
            continue
        for year in YEARS:
            stats = json.loads(run("stats", "--year", str(year), "--format", "json", root=source).stdout)
            rows = [r for r in data["funnel"] if r["office"] == office and r["year"] == year]
            if not stats["collected"]:
                assert rows == []
                continue
            (row,) = rows
            assert row["name"] == name
            assert {k: row[k] for k in stats_mod.COLUMNS} == stats_mod.flat(stats)
            assert {k: row[k] for k in overview_mod.RATES} == stats["funnel"]
            quota = [{k: q[k] for k in ("unit", "name", "quota", "collected", "edited", "completion")}
                     for q in data["quota_units"] if q["office"] == office and q["year"] == year]
            assert quota == sorted(stats["quota"], key=lambda q: q["unit"])
            topics = {t["key_topic"]: (t["title"], t["items"], t["edited"]) for t in data["county_topics"]
                      if t["office"] == office and t["year"] == year}
            assert topics == {t["id"]: (t["title"], t["items"], t["edited"]) for t in stats["key_topics"] if t["items"]}
    demo = [r for r in data["funnel"] if r["office"] == "shili-xian"]
    assert {r["year"] for r in demo} == set(YEARS)
    assert all(r["collected"] > r["reported"] > 0 for r in demo)


def test_a_public_export_counts_what_the_public_edition_counts_and_has_no_quota(city: Path) -> None:
    data, _ = overview_json(city)
    day = dt.date.fromisoformat(TODAY)
    loaded = load_all(Repo(REPO), day)
    public = edition(loaded.registry, loaded.items, "public", day)
    for year in YEARS:
        expected = public.stats(stats_mod.period(year, None, None, None, day))
        (row,) = [r for r in data["funnel"] if r["office"] == "gongkai-xian" and r["year"] == year]
        assert {k: row[k] for k in stats_mod.COLUMNS} == stats_mod.flat(expected)
        assert 0 < row["collected"] < next(r for r in data["funnel"] if r["office"] == "shili-xian" and r["year"] == year)["collected"]
    assert {q["office"] for q in data["quota"]} == {"shili-xian", "yangben-xian"}  # quotas only from internal exports
    assert "公开版导出不含年度任务" in data["quota_note"]
    # the totals add the counties up
    for total in data["totals"]:
        rows = [r for r in data["funnel"] if r["year"] == total["year"]]
        assert total["collected"] == sum(r["collected"] for r in rows)
        assert total["adopted_city"] == sum(r["adopted_city"] for r in rows)


def test_the_text_and_markdown_tables(city: Path) -> None:
    result = run("overview", "--year", "2026", root=city)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("商洛市政协各县社情民意信息汇总（2026年）")
    for heading in ("【各县导出】", "【2026年各县转化情况】", "【2026年各县采用率】", "【2026年各县任务完成】", "【2026年年度重点选题】"):
        assert heading in text
    assert "2025年" not in text
    assert "公开县政协：公开版导出不含年度任务" in text
    assert "合计" in text
    md = run("overview", "--format", "md", root=city).stdout
    assert md.startswith("# 商洛市政协各县社情民意信息汇总（全部年份）")
    assert "## 2025年各县转化情况" in md
    assert "| 示例县政协 |" in md


# --- checking the exports --------------------------------------------------------------------------------------


def test_a_changed_parquet_file_is_refused_by_name(city: Path, tmp_path: Path) -> None:
    exports = copy_of(city, tmp_path)
    path = exports / "yangben-xian" / "items.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    found, result = overview_json(city, "--exports", str(exports))
    assert result.exit_code == 1
    assert "yangben-xian：items.parquet 的 SHA-256 校验值与 export.json 不符" in result.stderr
    assert [c["office"] for c in found["counties"]] == ["shili-xian", "gongkai-xian"]  # the others are counted
    assert not any(r["office"] == "yangben-xian" for r in found["funnel"])


def test_a_folder_network_yml_does_not_list_is_skipped_with_a_warning(city: Path, tmp_path: Path) -> None:
    exports = copy_of(city, tmp_path)
    shutil.copytree(exports / "shili-xian", exports / "stranger-xian")
    found, result = overview_json(city, "--exports", str(exports))
    assert result.exit_code == 0
    assert "stranger-xian：“stranger-xian”不是 units/network.yml 中登记的往来单位，已跳过" in result.stderr
    assert [c["office"] for c in found["counties"]] == list(COUNTIES)
    assert found["problems"][0]["refused"] is False


def test_links_special_files_and_unknown_formats_are_refused(city: Path, tmp_path: Path) -> None:
    exports = copy_of(city, tmp_path)
    (exports / "yangben-xian" / "units.parquet").unlink()
    (exports / "yangben-xian" / "units.parquet").symlink_to(exports / "shili-xian" / "units.parquet")
    shutil.rmtree(exports / "gongkai-xian")
    (exports / "gongkai-xian").symlink_to(exports / "shili-xian", target_is_directory=True)
    manifest = exports / "shili-xian" / "export.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"format_version": 1', '"format_version": 99'), "utf-8")
    found, result = overview_json(city, "--exports", str(exports))
    assert result.exit_code == 1
    assert found["counties"] == []
    assert "yangben-xian：units.parquet 不是普通文件（符号链接或特殊文件），拒绝读取" in result.stderr
    assert "gongkai-xian 不是文件夹（符号链接或特殊文件），拒绝读取" in result.stderr
    assert "shili-xian：export.json 的格式版本 99 无法识别" in result.stderr
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(overview_mod._Refused, match="不是普通文件"):
        overview_mod._read(fifo, 100)


def test_an_internal_export_said_to_be_public_is_refused(city: Path, tmp_path: Path) -> None:
    exports = copy_of(city, tmp_path)
    manifest = exports / "shili-xian" / "export.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"audience": "internal"', '"audience": "public"'), "utf-8")
    found, result = overview_json(city, "--exports", str(exports))
    assert result.exit_code == 1
    assert "shili-xian：export.json 说是公开版，但 items.parquet 含内部版才有的列（audience、author_ids、sent）" in result.stderr
    assert "shili-xian" not in {c["office"] for c in found["counties"]}


def test_without_exports_the_command_says_where_they_go(tmp_path: Path) -> None:
    result = run("overview", root=SAMPLES / "office")
    assert result.exit_code == 2
    assert "找不到各县导出的文件夹" in result.stderr


def test_the_names_are_export_pys() -> None:
    assert (overview_mod.ITEMS, overview_mod.UNITS, overview_mod.MANIFEST) == (export_mod.ITEMS, export_mod.UNITS, export_mod.MANIFEST)
    assert export_mod.FORMAT_VERSION in overview_mod.VERSIONS
    assert overview_mod.AUDIENCES == export_mod.EDITION_LABELS


def test_help_does_not_import_duckdb() -> None:
    """Startup stays fast: only an overview itself loads DuckDB."""
    code = ("import sys\nfrom sqmy.cli import main\n"
            "for args in (['--help'], ['overview', '--help'], ['export', '--help']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pyarrow', 'duckdb', 'sqmy.overview', 'sqmy.export') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- the archive's page 各县汇总 -----------------------------------------------------------------------------------


def build(root: Path, audience: str, site: Path) -> Path:
    result = run("build", "--audience", audience, "--site-dir", str(site), root=root)
    assert result.exit_code == 0, result.output
    return site


def site_text(site: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def sites(city: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sites")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        return {audience: build(city, audience, out / audience) for audience in ("internal", "public")}


def test_both_editions_have_the_page_next_to_the_statistics(sites: dict[str, Path]) -> None:
    for audience, site in sites.items():
        page = (site / "overview" / "index.html").read_text("utf-8")
        assert "各县汇总" in page
        assert "<svg" in page
        home = (site / "index.html").read_text("utf-8")
        assert home.index('href="stats/"') < home.index('href="overview/"') < home.index('href="guide/"'), audience
        assert "公开县政协" in page
    internal = (sites["internal"] / "overview" / "index.html").read_text("utf-8")
    assert "各县任务完成" in internal
    assert 'role="progressbar"' in internal
    exports = (sites["internal"] / "overview" / "exports" / "index.html").read_text("utf-8")
    assert all(name in exports for name in ("示例县政协", "样本县政协", "公开县政协"))
    assert 'href="exports/"' in internal
    # the newest year on the page, each earlier year on a page of its own, linked from it
    years = sorted(int(p.name) for p in (sites["internal"] / "overview").iterdir() if p.name.isdigit())
    newest = re.search(r"<h2[^>]*>(\d{4})年", internal)
    assert newest
    assert years
    assert int(newest.group(1)) > max(years)
    for year in years:
        assert f'href="{year}/"' in internal
        assert f"{year}年各县转化情况" in (sites["internal"] / "overview" / str(year) / "index.html").read_text("utf-8")


def test_the_public_page_holds_nothing_of_an_internal_export(city: Path, sites: dict[str, Path]) -> None:
    page = (sites["public"] / "overview" / "index.html").read_text("utf-8")
    assert "（公开版只用各县的公开版导出）" in page
    assert "任务完成" not in page
    everything = site_text(sites["public"])
    assert "示例县政协" not in everything
    assert "样本县政协" not in everything
    internal = pq.read_table(city / "exports" / "shili-xian" / "items.parquet").to_pylist()
    public = pq.read_table(city / "exports" / "gongkai-xian" / "items.parquet").to_pylist()
    shown = {r["title"] for r in public} | {r["key_topic_title"] for r in public}
    secrets = {r["title"] for r in internal} | {r["key_topic_title"] for r in internal if r["key_topic_title"]}
    secrets |= {r["title"] for r in pq.read_table(city / "exports" / "yangben-xian" / "items.parquet").to_pylist()}
    assert {s for s in secrets - shown if s in everything} == set()
    # the public county's figures, and no total with the internal counties' numbers
    data, _ = overview_json(city)
    internal_total = next(t for t in data["totals"] if t["year"] == 2025)["collected"]
    assert f">{internal_total}<" not in page
    assert "合计" not in page


def test_only_internal_exports_give_the_public_edition_no_page_and_the_same_site(city: Path, tmp_path: Path) -> None:
    """No exports: no page, and the site is the one of an office without exports/, byte for byte. An office whose
    exports are all internal has no page in its public edition either, and its public site is that same site."""
    root = tmp_path / "city"
    shutil.copytree(city, root, ignore=lambda folder, names: {"exports", "site", "site-public"} & set(names) if Path(folder) == city else set())
    plain = build(root, "public", tmp_path / "plain")
    assert not (plain / "overview").exists()
    assert "各县汇总" not in site_text(plain)
    inside = build(root, "internal", tmp_path / "plain-internal")
    assert not (inside / "overview").exists()
    shutil.copytree(city / "exports" / "shili-xian", root / "exports" / "shili-xian")
    again = build(root, "public", tmp_path / "again")
    assert _differences(plain, again) == []
    assert (build(root, "internal", tmp_path / "again-internal") / "overview" / "index.html").is_file()


def _differences(expected: Path, actual: Path) -> list[str]:
    def files(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    a, b = files(expected), files(actual)
    return sorted(set(a) ^ set(b)) + sorted(name for name in set(a) & set(b) if a[name] != b[name])


def test_a_province_of_many_counties_charts_the_top_ones_and_tables_them_all(city: Path) -> None:
    """With more counties than a chart can show on a phone, the year's charts draw the CHART_TOP that collected most
    (the quota chart the CHART_TOP furthest behind) and say so; the tables list every county."""
    from sqmy.site import pages  # noqa: PLC0415

    loaded = load_all(Repo(city), dt.date.fromisoformat(TODAY))
    ov = overview_mod.overview(city, loaded.registry.network)
    year = ov.years[0]
    row = next(r for r in ov.funnel if r["year"] == year)
    quota = next(q for q in ov.quota if q["year"] == year)
    count = pages.CHART_TOP + 5
    many = dataclasses.replace(
        ov, years=[year],
        funnel=[{**row, "office": f"c{n:02d}", "name": f"第{n:02d}县政协", "collected": n} for n in range(1, count + 1)],
        quota=[{**quota, "office": f"c{n:02d}", "name": f"第{n:02d}县政协", "quota": 100, "collected": n, "completion": n / 100}
               for n in range(1, count + 1)])
    ed = edition(loaded.registry, [], "internal", dt.date.fromisoformat(TODAY))
    page = pages.page_overview(ed, many)[pages.OVERVIEW]
    charts = {key: svg for key, svg in ed.figures.items() if key.removeprefix("<p>").removesuffix("</p>") in page}
    funnel = next(svg for svg in charts.values() if f"{year}年各县转化情况（采集最多的 {pages.CHART_TOP} 个" in svg)
    drawn = set(re.findall(r"第(\d\d)县政协", funnel))
    assert drawn == {f"{n:02d}" for n in range(count - pages.CHART_TOP + 1, count + 1)}  # the most collected
    behind = next(svg for svg in charts.values() if "progressbar" in svg)
    assert set(re.findall(r"第(\d\d)县政协", behind)) == {f"{n:02d}" for n in range(1, pages.CHART_TOP + 1)}  # furthest behind
    assert f"完成比例最低的 {pages.CHART_TOP} 个" in page
    table = page.split(f"### {year}年各县转化情况", 1)[1].split("###", 1)[0]
    assert set(re.findall(r"第(\d\d)县政协", table)) == {f"{n:02d}" for n in range(1, count + 1)}


def test_what_is_counted_is_the_bytes_verified(city: Path, tmp_path: Path) -> None:
    """Each file is read once: what DuckDB counts is a private copy of the bytes whose checksum was verified, so a
    file swapped in the city's folder after the check changes nothing; the copies go when the overview is done."""
    exports = tmp_path / "exports"
    shutil.copytree(city / "exports", exports)
    loaded = load_all(Repo(city), dt.date.fromisoformat(TODAY))
    found = overview_mod.find(exports, loaded.registry.network)
    before = overview_mod.compute(found).as_json()
    assert found.counties
    assert all(exports not in c.folder.parents for c in found.counties)
    for county in found.counties:  # swapped after the check: another county's data
        other = next(c for c in found.counties if c.office != county.office)
        shutil.copy(city / "exports" / other.office / "items.parquet", exports / county.office / "items.parquet")
    assert overview_mod.compute(found).as_json() == before
    stage = Path(found.stage.name) if found.stage else None
    assert stage is not None
    assert stage.is_dir()
    del found
    assert not stage.exists()
