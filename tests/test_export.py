"""`sqmy export`: the Parquet files a city reads for its overviews, held to `sqmy stats` through DuckDB,
and the public export held to what the public edition shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from sqmy import export as export_mod
from sqmy import stats as stats_mod
from sqmy.cli import main
from sqmy.items import content_digest
from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site.edition import edition, is_public
from sqmy.status import derive

from .conftest import REPO, SAMPLES, TODAY, Invoke

DAY = dt.date.fromisoformat(TODAY)
YEARS = (2025, 2026)
PHONE = "13912345678"

FUNNEL = """
SELECT year,
       count(*) AS collected,
       count(*) FILTER (approved) AS edited,
       count(*) FILTER (list_contains(statuses, '已上报')) AS reported,
       count(*) FILTER (len(list_filter(adoptions, lambda a: a.level = '市政协')) > 0) AS adopted_city,
       count(*) FILTER (len(list_filter(adoptions, lambda a: a.level = '省政协')) > 0) AS adopted_province,
       count(*) FILTER (len(list_filter(adoptions, lambda a: a.level = '全国政协')) > 0) AS adopted_national,
       count(*) FILTER (len(instructions) > 0) AS instructed,
       count(*) FILTER (len(transfers) > 0) AS transferred,
       count(*) FILTER (len(list_filter(transfers, lambda t: t.feedback_result IS NOT NULL)) > 0) AS feedback,
       count(*) FILTER (solved > 0 OR len(list_filter(transfers, lambda t: t.feedback_result = '已落实')) > 0
                        OR len(list_filter(instructions, lambda i: i.result = '已落实')) > 0) AS implemented,
       count(*) FILTER (converted) AS converted,
       count(*) FILTER (status = '不予上报') AS rejected
FROM read_parquet($items) WHERE year IS NOT NULL GROUP BY year ORDER BY year
"""

QUOTA = """
SELECT u.unit, u.name, u.quota, count(i.id) AS collected, count(i.id) FILTER (i.approved) AS edited,
       round(count(i.id) / u.quota, 4) AS completion
FROM read_parquet($units) u LEFT JOIN read_parquet($items) i ON i.unit = u.unit AND i.year = u.year
WHERE u.year = $year AND u.quota > 0 GROUP BY u.unit, u.name, u.quota ORDER BY u.unit
"""

TOPICS = """
SELECT key_topic, count(*) AS items, count(*) FILTER (approved) AS edited
FROM read_parquet($items) WHERE year = $year AND key_topic IS NOT NULL GROUP BY key_topic
"""


def _rows(sql: str, **params: Any) -> list[dict[str, Any]]:
    with duckdb.connect() as con:
        result = con.execute(sql, params)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _export(sqmy: Invoke, folder: Path, *args: str) -> Any:
    result = sqmy("export", "-o", str(folder), "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo office exported once for each audience, with bodies (read in place; SQMY_TODAY pinned)."""
    out = tmp_path_factory.mktemp("exports")
    folders = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        for audience in ("internal", "public"):
            folders[audience] = out / audience
            result = CliRunner().invoke(main, ["--root", str(REPO), "export", "-o", str(folders[audience]), "--audience", audience, "--bodies"],
                                        catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return folders


# --- the overview's numbers are sqmy's own ---------------------------------------------------------


def test_the_internal_export_gives_the_figures_of_sqmy_stats(demo: Path, sqmy: Invoke, demo_exports: dict[str, Path]) -> None:
    folder = demo_exports["internal"]
    items, units = str(folder / "items.parquet"), str(folder / "units.parquet")
    funnel = {row.pop("year"): row for row in _rows(FUNNEL, items=items)}
    assert set(YEARS) <= set(funnel)
    for year in YEARS:
        result = sqmy("stats", "--year", str(year), "--format", "json")
        assert result.exit_code == 0, result.output
        stats = json.loads(result.stdout)
        assert funnel[year] == stats_mod.flat(stats)  # all twelve counts, collected to rejected
        assert funnel[year]["collected"] > funnel[year]["reported"] > 0
        quota = _rows(QUOTA, items=items, units=units, year=year)
        expected = sorted(({k: q[k] for k in ("unit", "name", "quota", "collected", "edited", "completion")} for q in stats["quota"]),
                          key=lambda q: q["unit"])
        assert quota == expected
        topics = {r["key_topic"]: (r["items"], r["edited"]) for r in _rows(TOPICS, items=items, year=year)}
        assert {t["id"]: (t["items"], t["edited"]) for t in stats["key_topics"] if t["items"]} == topics


def test_the_public_export_gives_the_figures_of_the_public_edition(demo: Path, demo_exports: dict[str, Path]) -> None:
    loaded = load_all(Repo(demo), DAY)
    public = edition(loaded.registry, loaded.items, "public", DAY)
    funnel = {row.pop("year"): row for row in _rows(FUNNEL, items=str(demo_exports["public"] / "items.parquet"))}
    for year in YEARS:
        expected = stats_mod.flat(public.stats(stats_mod.period(year, None, None, None, DAY)))
        assert funnel[year] == expected
        assert expected["collected"] > 0


# --- what the public export holds ------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    """Every string in a value read from Parquet, however deep in lists and structs."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_the_public_export_holds_only_what_the_public_edition_shows(demo: Path, demo_exports: dict[str, Path]) -> None:
    loaded = load_all(Repo(demo), DAY)
    folder = demo_exports["public"]
    table = pq.read_table(folder / "items.parquet")
    shown = {i.id for i in loaded.items if is_public(i, derive(i, DAY))}
    assert sorted(table.column("id").to_pylist()) == sorted(shown)
    assert all(i.audience == "公开" for i in loaded.items if i.id in shown)
    assert {"author_ids", "audience", "sent"}.isdisjoint(table.column_names)
    assert {"authors", "title", "body", "statuses", "adoptions"} <= set(table.column_names)
    assert "逾期未反馈" not in {s for row in table.column("statuses").to_pylist() for s in row}
    units = pq.read_table(folder / "units.parquet")
    assert set(units.column("quota").to_pylist()) == {None}  # the public edition shows no quota completion

    internal = [i for i in loaded.items if i.id not in shown]
    assert internal
    secrets = {i.id for i in internal} | {i.title for i in internal} | {p.id for p in loaded.registry.people.values()}
    secrets |= {t.letter for i in loaded.items for t in i.transfers if t.letter}
    secrets |= {t.feedback.summary for i in loaded.items for t in i.transfers if t.feedback and t.feedback.summary}
    secrets |= {s.to for i in loaded.items for s in i.sent}
    secrets |= {"公开范围"}
    texts = [s for name in ("items.parquet", "units.parquet") for row in pq.read_table(folder / name).to_pylist() for s in _strings(row)]
    texts += [(folder / name).read_bytes().decode("utf-8", "replace") for name in ("items.parquet", "units.parquet", "export.json")]
    leaks = {s for s in secrets if s and any(s in text for text in texts)}
    assert leaks == set()

    inside = pq.read_table(demo_exports["internal"] / "items.parquet")
    assert {"author_ids", "audience", "sent"} <= set(inside.column_names)
    assert len(inside) == len(loaded.items) > len(table)
    assert any(row for row in inside.column("sent").to_pylist())
    assert set(pq.read_table(demo_exports["internal"] / "units.parquet").column("quota").to_pylist()) - {None}


def test_public_bodies_are_masked_as_the_public_edition_masks(office: Path, tmp_path: Path) -> None:
    """A public item cannot carry a phone number in its file (validate refuses it, below); should one reach the export
    all the same, its text is the public edition's, masked. The item here is the sample's, its text changed in memory
    and its reviews bound to the new text, as test_site_pages.py makes one."""
    loaded = load_all(Repo(office), DAY)
    base = next(i for i in loaded.items if i.id == "2025-0506-zhangwei-1")
    body = base.body + f"\n居民可拨打 {PHONE} 咨询。\n"
    digest = content_digest(base.title, body)
    planted = dataclasses.replace(base, body=body, reviews=tuple(dataclasses.replace(r, digest=digest) for r in base.reviews))
    items = [planted if i is base else i for i in loaded.items]
    assert is_public(planted, derive(planted, DAY))
    for audience in ("public", "internal"):
        export_mod.export(loaded.registry, items, tmp_path / audience, audience, DAY, bodies=True)
    public = {r["id"]: r for r in pq.read_table(tmp_path / "public" / "items.parquet").to_pylist()}
    assert list(public) == ["2025-0506-zhangwei-1"]
    shown = public["2025-0506-zhangwei-1"]["body"]
    assert "139****5678" in shown
    assert PHONE not in shown
    assert shown == edition(loaded.registry, items, "public", DAY).entries["2025-0506-zhangwei-1"].body
    assert not any(PHONE.encode() in (tmp_path / "public" / name).read_bytes() for name in ("items.parquet", "units.parquet", "export.json"))
    internal = {r["id"]: r for r in pq.read_table(tmp_path / "internal" / "items.parquet").to_pylist()}
    assert PHONE in internal["2025-0506-zhangwei-1"]["body"]


def test_a_phone_number_written_into_a_public_item_never_leaves(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    """Written into the file, the number makes the public item invalid: skipped with the usual warning, in no export."""
    path = office / "items" / "2025" / "2025-0506-zhangwei-1.md"
    path.write_text(path.read_text("utf-8") + f"\n居民可拨打 {PHONE} 咨询。\n", "utf-8")
    for audience in ("public", "internal"):
        result = sqmy("export", "-o", str(tmp_path / audience), "--audience", audience, "--bodies")
        assert result.exit_code == 0, result.output
        assert "sqmy：1 个文件有错误，已跳过" in result.stderr
        ids = pq.read_table(tmp_path / audience / "items.parquet").column("id").to_pylist()
        assert "2025-0506-zhangwei-1" not in ids
        assert not any(PHONE in s for row in pq.read_table(tmp_path / audience / "items.parquet").to_pylist() for s in _strings(row))


def test_bodies_only_when_asked(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    _export(sqmy, tmp_path / "plain", "--audience", "internal")
    _export(sqmy, tmp_path / "bodies", "--audience", "internal", "--bodies")
    assert "body" not in pq.read_table(tmp_path / "plain" / "items.parquet").column_names
    assert all(pq.read_table(tmp_path / "bodies" / "items.parquet").column("body").to_pylist())


# --- the files ----------------------------------------------------------------------------------------


def test_export_twice_gives_the_same_bytes(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    first = _export(sqmy, tmp_path / "out", "--audience", "internal", "--bodies")
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    second = _export(sqmy, tmp_path / "out", "--audience", "internal", "--bodies")
    _export(sqmy, tmp_path / "other", "--audience", "internal", "--bodies")
    assert first == {**second, "folder": first["folder"]}
    assert sorted(before) == ["export.json", "items.parquet", "units.parquet"]  # no temporary file left behind
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert {p.name: p.read_bytes() for p in (tmp_path / "other").iterdir()} == before


def test_the_manifest_describes_the_files(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    _export(sqmy, tmp_path, "--audience", "internal", "--bodies")
    manifest = json.loads((tmp_path / "export.json").read_text("utf-8"))
    assert manifest["format_version"] == export_mod.FORMAT_VERSION
    assert manifest["generated"] == TODAY
    assert manifest["audience"] == "internal"
    assert manifest["office"]["short_name"] == "样本县政协"
    for name in ("items.parquet", "units.parquet"):
        data = (tmp_path / name).read_bytes()
        assert manifest["sha256"][name] == hashlib.sha256(data).hexdigest()
        table = pq.read_table(tmp_path / name)
        assert manifest["rows"][name] == len(table)
        assert list(manifest["schema"][name]) == table.column_names
        assert all(re.search(r"[\u4e00-\u9fff]", c["description"]) and c["type"] for c in manifest["schema"][name].values())
    # the module's description documents every column of both files, in the same order
    doc = export_mod.__doc__ or ""
    documented = re.findall(r"^\| ([a-z_]+) \| ", doc, re.M)
    assert documented == list(manifest["schema"]["items.parquet"]) + list(manifest["schema"]["units.parquet"])


def test_the_default_folder_and_the_text_summary(office: Path, sqmy: Invoke) -> None:
    result = sqmy("export")
    assert result.exit_code == 0, result.output
    assert "公开版数据到 build/export" in result.stdout
    assert json.loads((office / "build" / "export" / "export.json").read_text("utf-8"))["audience"] == "public"


def test_a_broken_item_is_skipped_with_the_usual_warning(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "broken" / "items" / "2025" / "2025-0101-yaml-syntax.md", office / "items" / "2025")
    result = sqmy("export", "-o", str(tmp_path), "--audience", "internal")
    assert result.exit_code == 0, result.output
    assert "sqmy：1 个文件有错误，已跳过；运行 sqmy validate 查看详情。" in result.stderr
    assert sorted(pq.read_table(tmp_path / "items.parquet").column("id").to_pylist()) == ["2025-0506-zhangwei-1", "2025-1201-zhangwei-1"]


def test_export_refuses_a_file_for_a_folder(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    result = sqmy("export", "-o", str(tmp_path / "file"))
    assert result.exit_code == 2
    assert "不是文件夹" in result.stderr
    assert (tmp_path / "file").read_text("utf-8") == "x"


def test_help_does_not_import_pyarrow() -> None:
    """Startup stays fast: only `sqmy export` itself loads pyarrow."""
    code = ("import sys\nfrom sqmy.cli import main\n"
            "for args in (['--help'], ['export', '--help']):\n"
            "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pyarrow', 'duckdb', 'sqmy.export') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_overview_benchmark_runs_on_the_export_schema(tmp_path: Path) -> None:
    """benchmarks/export_overview.py, small: its synthetic exports are made with this schema and its queries run."""
    script = REPO / "benchmarks" / "export_overview.py"
    result = subprocess.run([sys.executable, str(script), "--counties", "2", "--years", "2", "--per-year", "20", "--keep", str(tmp_path)],
                            capture_output=True, text=True, check=True)
    assert "80 items" in result.stdout
    assert "peak memory" in result.stdout
    manifest_like = pq.read_table(tmp_path / "county-001" / "items.parquet").schema
    reg_export = pq.read_table(tmp_path / "county-002" / "units.parquet").column_names
    assert "author_ids" in manifest_like.names
    assert reg_export == ["county", "office", "unit", "name", "kind", "year", "quota"]


def test_an_office_without_items_exports_empty_files(office: Path, sqmy: Invoke, tmp_path: Path) -> None:
    shutil.rmtree(office / "items")
    (office / "items").mkdir()
    manifest = _export(sqmy, tmp_path)
    assert manifest["rows"]["items.parquet"] == 0
    assert pq.read_table(tmp_path / "items.parquet").num_rows == 0
