"""A city's overview of its counties' `sqmy export` files, with DuckDB: load time, query times, peak memory.

    .venv/bin/python benchmarks/export_overview.py --counties 100 --years 10 [--per-year 400] [--keep DIR]

Makes one synthetic export per county (items.parquet and units.parquet in the schema and with the writer
options of sqmy.export, the internal edition without bodies: `sqmy demo` for 100 counties would take far
too long), --per-year items for each of --years years, in worker processes. Then, in this process, DuckDB
reads them all (`read_parquet('…/*/items.parquet')`) and computes what the city's overview shows: the
funnel by county and year, adoption rates, quota completion and the key topics. Each query is timed
straight over the files and over the loaded table; the peak memory is this process's (the rows are made
in the workers).

Then sqmy overview's own functions (overview.find: every export checked, its files hashed; overview.compute:
the figures) run over the same exports in a fresh process, which reports their time and its peak memory.

With --site, a city office (the demo office, its units/network.yml listing the counties, the exports in its
exports/) builds its internal archive with `sqmy build` in a fresh process: the build's time and peak memory,
and the size and height in pages of 各县汇总 (the newest year; each earlier year and the list of exports on
pages of their own).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from sqmy import export as export_mod
from sqmy import overview as overview_mod
from sqmy import schema
from sqmy import status as st
from sqmy.paths import Repo
from sqmy.registry import Network, Peer
from sqmy.registry import load as load_registry
from sqmy.site.edition import edition

REPO = Path(__file__).resolve().parent.parent
LAST_YEAR = 2026

QUERIES = {
    "funnel by county and year": """
        SELECT county, year, count(*) AS collected, count(*) FILTER (approved) AS edited,
               count(*) FILTER (list_contains(statuses, '已上报')) AS reported,
               count(*) FILTER (len(adoptions) > 0) AS adopted,
               count(*) FILTER (len(list_filter(adoptions, lambda a: a.level = '市政协')) > 0) AS adopted_city,
               count(*) FILTER (len(instructions) > 0) AS instructed,
               count(*) FILTER (len(transfers) > 0) AS transferred,
               count(*) FILTER (converted) AS converted
        FROM {items} WHERE year IS NOT NULL GROUP BY county, year ORDER BY county, year""",
    "adoption rates by county": """
        SELECT county, count(*) FILTER (list_contains(statuses, '已上报')) AS reported,
               round(count(*) FILTER (len(adoptions) > 0) / nullif(count(*) FILTER (list_contains(statuses, '已上报')), 0), 4) AS adopted_of_reported,
               round(count(*) FILTER (approved) / count(*), 4) AS edited_of_collected
        FROM {items} WHERE year IS NOT NULL GROUP BY county ORDER BY adopted_of_reported DESC""",
    "quota completion by county and year": """
        WITH done AS (SELECT county, unit, year, count(*) AS collected FROM {items} WHERE year IS NOT NULL GROUP BY ALL)
        SELECT u.county, u.year, sum(u.quota) AS quota, sum(coalesce(d.collected, 0)) AS collected,
               count(*) FILTER (coalesce(d.collected, 0) >= u.quota) AS units_done, count(*) AS units
        FROM {units} u LEFT JOIN done d USING (county, unit, year)
        WHERE u.quota > 0 GROUP BY u.county, u.year ORDER BY u.county, u.year""",
    "key topics by year": """
        SELECT year, key_topic_title, count(*) AS items, count(DISTINCT county) AS counties,
               count(*) FILTER (len(adoptions) > 0) AS adopted
        FROM {items} WHERE key_topic IS NOT NULL GROUP BY ALL ORDER BY year, items DESC""",
}


def _statuses(rng: random.Random, adopted: bool, instructed: bool, transferred: bool, answered: bool, reported: bool,
              journal: bool) -> list[str]:
    found = {st.APPROVED}
    for flag, name in ((journal, st.PUBLISHED), (reported, st.REPORTED), (adopted, st.ADOPTED), (instructed, st.INSTRUCTED)):
        if flag:
            found.add(name)
    if transferred:
        found.add(st.ANSWERED if answered else rng.choice((st.TRANSFERRING, st.OVERDUE)))
    return [s for s in st.PRIORITY if s in found]


def county_rows(county: int, years: int, per_year: int) -> dict[str, Any]:
    """The rows of one county's items.parquet, column by column (internal edition, no bodies)."""
    rng = random.Random(county)
    reg, _ = load_registry(Repo(REPO))
    units = [u for u in reg.units.values() if u.quota]
    departments = [u for u in reg.units.values() if not u.quota] or units
    people = list(reg.people.values())
    topics = [t for ts in reg.key_topics.values() for t in ts.values()]
    name = f"第{county:03d}县"
    rows: list[dict[str, Any]] = []
    for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1):
        for n in range(per_year):
            day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
            unit = rng.choice(units)
            authors = rng.sample(people, rng.choice((1, 1, 1, 2, 3)))
            source = rng.choice(schema.SOURCES)
            topic = rng.choice(topics) if rng.random() < 0.3 else None
            fate = rng.random()
            draft, rejected, pending = fate < 0.02, 0.02 <= fate < 0.07, 0.07 <= fate < 0.12
            approved = fate >= 0.12
            reported = approved and rng.random() < 0.55
            adoptions = []
            if reported and rng.random() < 0.6:
                adoptions.append({"level": "市政协", "date": day + dt.timedelta(days=20), "mode": rng.choice(("单篇采用", "综合采用")),
                                  "ref": f"市政协《社情民意信息》{year}年第{rng.randrange(1, 60)}期"})
                if rng.random() < 0.25:
                    adoptions.append({"level": "省政协", "date": day + dt.timedelta(days=40), "mode": "单篇采用", "ref": None})
            instructions = ([{"level": rng.choice(("县委", "县政府", "市委")), "leader": rng.choice(schema.LEADERS),
                              "date": day + dt.timedelta(days=30), "result": rng.choice((None, "已落实", "正在落实"))}]
                            if approved and rng.random() < 0.15 else [])
            transfers = []
            if approved and rng.random() < 0.25:
                to = rng.choice(departments)
                answered = rng.random() < 0.8
                transfers.append({"unit": to.id, "unit_name": to.name, "date": day + dt.timedelta(days=10), "due": day + dt.timedelta(days=40),
                                  "feedback_result": rng.choice(("已落实", "正在落实", "已研究")) if answered else None,
                                  "feedback_date": day + dt.timedelta(days=35) if answered else None})
            journal = approved and rng.random() < 0.8
            if draft:
                statuses = [st.DRAFT]
            elif rejected:
                statuses = [st.REJECTED]
            elif pending:
                statuses = [st.waiting(rng.choice(schema.CHAIN_STAGES))]
            else:
                statuses = _statuses(rng, bool(adoptions), bool(instructions), bool(transfers),
                                     bool(transfers) and transfers[0]["feedback_result"] is not None, reported, journal)
            rows.append({
                "county": name, "office": f"{name}政协", "id": f"{year}-{day:%m%d}-c{county:03d}-{n}",
                "title": f"关于{rng.choice(('加强', '改进', '推动', '规范'))}{topic.title if topic else '基层治理'}的建议（{n}）",
                "unit": unit.id, "unit_name": unit.name, "author_ids": [a.id for a in authors], "authors": [a.name for a in authors],
                "submitted": None if draft else day, "year": None if draft else year, "category": rng.choice(reg.categories),
                "focus": rng.choice(reg.focuses), "source": source, "converted": source in schema.CONVERTED_SOURCES,
                "key_topic": topic.id if topic else None, "key_topic_title": topic.title if topic else None,
                "audience": rng.choice(schema.AUDIENCES), "status": statuses[0], "statuses": statuses, "approved": approved,
                "routes": ["直报"] if reported else [], "journal_year": year if journal else None,
                "journal_issue": rng.randrange(1, 40) if journal else None,
                "sent": [{"date": day + dt.timedelta(days=12), "route": "直报", "recipient": "市政协办公室"}] if reported else [],
                "adoptions": adoptions, "instructions": instructions, "transfers": transfers, "solved": int(rng.random() < 0.05),
            })
    return {"name": name, "rows": rows, "years": list(range(LAST_YEAR - years + 1, LAST_YEAR + 1))}


def write_county(args: tuple[Path, int, int, int]) -> int:
    out, county, years, per_year = args
    made = county_rows(county, years, per_year)
    reg, _ = load_registry(Repo(REPO))
    ed = edition(reg, [], "internal", dt.date(LAST_YEAR, 12, 31))
    columns = export_mod.item_columns(ed)
    items = export_mod._table([(c.name, c.type, c.description) for c in columns],
                              {c.name: [r[c.name] for r in made["rows"]] for c in columns})
    fields = export_mod.unit_columns(ed)
    units: dict[str, list[Any]] = {f[0]: [] for f in fields}
    for unit in reg.units.values():
        for year in made["years"]:
            for key, value in (("county", made["name"]), ("office", f"{made['name']}政协"), ("unit", unit.id), ("name", unit.name),
                               ("kind", unit.kind), ("year", year), ("quota", unit.quota.get(2025))):
                units[key].append(value)
    folder = out / f"county-{county:03d}"
    tables = {export_mod.ITEMS: items, export_mod.UNITS: export_mod._table(fields, units)}
    data = {name: export_mod._parquet_bytes(table) for name, table in tables.items()}
    manifest = {  # as export.export writes it: what sqmy overview checks
        "format": "sqmy-export", "format_version": export_mod.FORMAT_VERSION,
        "office": {"name": f"{made['name']}政协", "short_name": f"{made['name']}政协", "county": made["name"]},
        "generated": f"{LAST_YEAR}-12-31", "audience": "internal", "edition": "内部版", "bodies": False, "sqmy_version": "benchmark",
        "rows": {name: table.num_rows for name, table in tables.items()},
        "sha256": {name: hashlib.sha256(raw).hexdigest() for name, raw in data.items()},
        "schema": {name: export_mod._describe(table) for name, table in tables.items()},
    }
    export_mod._write_all(folder, [*data.items(), (export_mod.MANIFEST, json.dumps(manifest, ensure_ascii=False).encode("utf-8"))])
    return len(made["rows"])


def run_overview(out: Path, counties: int) -> dict[str, float]:
    """sqmy overview's own functions over the exports (checking every file, then the figures), in a fresh process:
    its time and peak memory, DuckDB's and the checks' included."""
    before = _high_water_mb()
    started = time.perf_counter()
    offices = {f"county-{c:03d}": Peer(f"county-{c:03d}", f"第{c:03d}县政协", "ssh-ed25519 AAAA") for c in range(1, counties + 1)}
    found = overview_mod.find(out, Network("city", None, offices))
    checked = time.perf_counter()
    result = overview_mod.compute(found)
    done = time.perf_counter()
    return {"counties": len(found.counties), "refused": len(found.problems), "funnel_rows": len(result.funnel),
            "find": checked - started, "compute": done - checked, "total": done - started,
            "before_mb": before, "peak_mb": _high_water_mb()}


def _high_water_mb() -> float:
    """This process's peak resident memory: VmHWM (getrusage's maxrss carries the parent's peak across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text("utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - started, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--per-year", type=int, default=400, help="items of a county in a year")
    parser.add_argument("--keep", type=Path, help="write the exports here and keep them (default: a temporary folder)")
    parser.add_argument("--site", action="store_true", help="also build a city's archive with the exports (the page 各县汇总)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            total = sum(pool.map(write_county, [(out, c, args.years, args.per_year) for c in range(1, args.counties + 1)]))
        made = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.glob("*/*.parquet"))
        print(f"synthetic exports: {args.counties} counties x {args.years} years, {total:,} items, "
              f"{size / 1e6:.1f} MB of Parquet, made in {made:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        files = {"items": f"read_parquet('{out}/*/items.parquet', union_by_name = true)", "units": f"read_parquet('{out}/*/units.parquet')"}
        con = duckdb.connect()
        threads = con.execute("SELECT current_setting('threads')").fetchone()
        print(f"DuckDB {duckdb.__version__}, {threads[0] if threads else '?'} threads; this process before DuckDB: {before / 1024:.0f} MB")
        for name, sql in QUERIES.items():
            seconds, rows = timed(con, sql.format(**files))
            print(f"  over the files  {name}: {seconds * 1000:.0f} ms ({rows} rows)")
        started = time.perf_counter()
        con.execute(f"CREATE TABLE items AS SELECT * FROM {files['items']}")
        con.execute(f"CREATE TABLE units AS SELECT * FROM {files['units']}")
        loaded = time.perf_counter() - started
        count = con.execute("SELECT count(*) FROM items").fetchone()
        print(f"load into DuckDB: {loaded:.2f} s ({count[0] if count else 0:,} items)")
        for name, sql in QUERIES.items():
            seconds, rows = timed(con, sql.format(items="items", units="units"))
            print(f"  loaded table    {name}: {seconds * 1000:.0f} ms ({rows} rows)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak memory of this process: {peak / 1024:.0f} MB (DuckDB's part: about {(peak - before) / 1024:.0f} MB)")
        con.close()
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            ov = pool.submit(run_overview, out, args.counties).result()
        print(f"sqmy overview (overview.find + overview.compute, a fresh process): {ov['counties']:.0f} counties checked "
              f"({ov['refused']:.0f} refused) in {ov['find']:.2f} s, figures in {ov['compute']:.2f} s "
              f"({ov['funnel_rows']:.0f} county-year rows); total {ov['total']:.2f} s, peak memory {ov['peak_mb']:.0f} MB "
              f"({ov['before_mb']:.0f} MB before it: Python, pyarrow, this script)")
        if args.site:
            build_site(out, args.counties, Path(tmp) / "city")
    return 0


def build_site(exports: Path, counties: int, root: Path) -> None:
    """The demo office as a city with the counties' exports: `sqmy build` of its internal archive, timed."""
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    for name in ("units", "items", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    shutil.copytree(exports, root / "exports", ignore=shutil.ignore_patterns("city"))
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    lines = ["id: city", f"key: {key}", "offices:"] + [f"  - {{id: county-{c:03d}, name: 第{c:03d}县政协, key: {key}}}" for c in range(1, counties + 1)]
    (root / "units" / "network.yml").write_text("\n".join(lines) + "\n", "utf-8")
    who = ["-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", *who, "commit", "-qm", "city"]):
        subprocess.run(command, cwd=root, check=True)
    # the build's own process reports its peak (Pagefind, its child, is not counted)
    code = ("import resource, sys\nfrom sqmy.cli import main\ntry:\n    main(['--root', sys.argv[1], 'build'])\n"
            "except SystemExit as done:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n    sys.exit(done.code)\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(root)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak = int(done.stderr.strip().splitlines()[-1])
    pages = sorted((root / "site" / "overview").rglob("index.html"))
    largest = max(p.stat().st_size for p in pages)
    index = (root / "site" / "overview" / "index.html").stat().st_size
    print(f"city archive (internal, {counties} counties' exports): sqmy build {seconds:.1f} s, peak memory "
          f"{peak / 1024:.0f} MB; 各县汇总: {len(pages)} pages, the page itself {index / 1e6:.2f} MB, "
          f"the largest {largest / 1e6:.2f} MB")


if __name__ == "__main__":
    sys.exit(main())
