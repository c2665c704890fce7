"""查重 at scale: index build time, query time, peak memory and the score of each kind of report.

    .venv/bin/python benchmarks/similar_speed.py [--reports 10000] [--per-kind 100] [--seed 15]

Makes `--reports` synthetic reports (300–3,000 characters, tests/test_similar.py's
generator), indexes them with sqmy.similar, then queries with `--per-kind`
reports of each kind made from archive reports: exact copies, light and heavy
rewrites, partial copies, and as many unrelated reports on the same topic.
Prints the build time, the median and worst time of a query (of the first
100 queries), the process's peak memory, and per kind the best score's
min / median / max, how often the true source ranked first and how many
reach 相似 and 疑似重复: the figures the thresholds in sqmy.similar come from;
and the time `Index.neighbours` takes for every report at once (the archive's
pages), with how many derived reports it pairs with their source.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test set's generator is tests/test_similar.py's
from tests.test_similar import make_test_set

from sqmy import similar


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()

    started = time.perf_counter()
    records, cases = make_test_set(args.seed, args.reports, args.per_kind)
    chars = [len(r.body) for r in records]
    print(f"{len(records)} reports ({min(chars)}–{max(chars)} characters, median {statistics.median(chars):.0f}), "
          f"{len(cases)} queries, made in {time.perf_counter() - started:.1f} s; peak memory so far {_peak_mb():.0f} MB")

    started = time.perf_counter()
    index = similar.Index(records)
    built = time.perf_counter() - started
    print(f"index build: {built:.1f} s, {index.matrix.nnz} non-zero weights, {index.dropped} n-gram buckets dropped as boilerplate "
          f"(in more than {similar.MAX_DF:.0%} of the reports); peak memory {_peak_mb():.0f} MB")

    timings, best = [], {}
    for case in cases:
        started = time.perf_counter()
        match = index.query(case.report.body, case.report.title, limit=10)[0]
        timings.append(time.perf_counter() - started)
        ratio = similar.title_ratio(case.report.title, next(r.title for r in records if r.id == case.source)) if case.source else match.title_ratio
        best.setdefault(case.kind, []).append((match.score, match.id == case.source, ratio))
    first = sorted(timings[:100])
    print(f"query (top 10, with title ratios): median {statistics.median(first) * 1000:.1f} ms, "
          f"max {first[-1] * 1000:.1f} ms of the first {len(first)}; peak memory {_peak_mb():.0f} MB")

    started = time.perf_counter()
    pairs = [(c.report.body, index.text_of(c.source)) for c in cases if c.kind in ("copy", "heavy")][:100]
    for a, b in pairs:
        similar.passages(a, b)
    print(f"passages: {(time.perf_counter() - started) / max(len(pairs), 1) * 1000:.1f} ms a pair (copies and heavy rewrites)")

    # every report's similar reports at once (the archive's pages), the derived reports added to the archive
    del index  # (the peak below is then this index's and its neighbours', not both indexes')
    gc.collect()
    together = similar.Index([*records, *(similar.Record(f"case-{n}", c.report.title, c.report.body) for n, c in enumerate(cases))])
    started = time.perf_counter()
    listed = together.neighbours(range(len(together)), limit=5)
    took = time.perf_counter() - started
    derived = [(f"case-{n}", c.source) for n, c in enumerate(cases) if c.source]
    by_id = {together.records[n].id: {m.id for m in ms if m.verdict != similar.TITLE_VERDICT} for n, ms in listed.items()}
    print(f"neighbours of all {len(together)} reports at once: {took:.1f} s; derived reports with their source among them: "
          f"{sum(source in by_id[case] for case, source in derived)} of {len(derived)}; peak memory {_peak_mb():.0f} MB")

    print(f"\n{'kind':10} {'n':>4} {'min':>6} {'median':>7} {'max':>6} {'first':>6} {'≥相似':>6} {'≥疑似重复':>8}  title ratio min/median/max")
    for kind, found in best.items():
        scores = [s for s, _, _ in found]
        ratios = [r for _, _, r in found]
        print(f"{kind:10} {len(found):4} {min(scores):6.3f} {statistics.median(scores):7.3f} {max(scores):6.3f} "
              f"{sum(f for _, f, _ in found):6} {sum(s >= similar.SIMILAR for s in scores):6} {sum(s >= similar.DUPLICATE for s in scores):8}"
              f"  {min(ratios):.0f}/{statistics.median(ratios):.0f}/{max(ratios):.0f}")
    print(f"\nthresholds: 相似 ≥ {similar.SIMILAR}, 疑似重复 ≥ {similar.DUPLICATE}; unrelated: the best score of any archive report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
