"""sqmy at scale: every figure beside its floor, measured in the same run, with peak memory.

    .venv/bin/python benchmarks/scale.py --items 1000 3000 10000 [--seed 1]
        [--steps audit validate stats build rebuild docx] [--work DIR] [--fresh] [--keep] [--json FILE]

For each size it takes the synthetic office of `sqmy demo --items N --seed S`
(made once and kept in the work folder, default $XDG_CACHE_HOME/sqmy-bench or
~/.cache/sqmy-bench, with a stamp recording the sqmy commit and the command;
--fresh makes it again), clones it (`git clone`: the kept office itself is
never touched) and times the real command line, each run a fresh process with
SQMY_TODAY pinned, against a floor run right beside it:

  audit     `sqmy audit` (whole history) vs one raw `git log --all --name-only`
            with the fields sqmy reads; `audit --since <merge-base>` of one open
            item branch vs `sqmy --help` (start-up alone); re-audit one merge
            later vs the audit just before it (whatever sqmy caches, warm)
  validate  cold (no item cache, new user cache folder) vs reading every front
            matter with libyaml in one process; warm (second run): items/s
  stats     `stats` and `score`, cold and warm, vs `validate` cold and warm
            (target: cold ≤ 1.2× validate cold)
  build     `sqmy build`, internal and public editions (cold: CI builds from a
            fresh checkout) vs a bare mkdocs-material build of the same pages
            plus Pagefind over that site (_floors.py bare)
  rebuild   `mkdocs serve`: one line appended to one item, time until the
            rebuild is done, and until the server's processes are idle again
            (work left to the background, such as a search index), vs the
            first build of the same server
  docx      `docx all` for the year with most items (documents/s) vs pandoc
            alone on as many bodies, as many at once as cores; one journal issue
            vs reading every front matter plus one pandoc

Peak memory is that of the whole process tree: the larger of the biggest
single process's peak RSS (ru_maxrss from wait4, descendants included) and the
peak of the tree's summed PSS sampled every 0.1 s (pandocs and workers running
side by side; PSS so that pages forked workers share count once).  CPU time
(user + system, the tree's) is shown too: on a shared machine wall time moves
with the neighbours' load, CPU time much less.

Progress goes to stderr; stdout gets one Markdown table per size, then a
summary `| step | 1k | 3k | 10k |` with the growth of each figure from one
size to the next (linear: as many times as the items; ⚠ marks a quarter more).
A step that fails prints the tail of its stderr and the run goes on.  Nothing
outside the work folder is written or deleted (commands get TMPDIR inside it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

from _floors import front_matters

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
BIN = Path(PY).parent
SQMY = str(BIN / "sqmy")
FLOORS = str(HERE / "_floors.py")
TODAY = "2026-11-28"
STEPS = ("audit", "validate", "stats", "similar", "build", "rebuild", "docx")
# the fields sqmy's own history read asks git for (gitio.Git.log), file names added: the least an audit must read
LOG_FORMAT = "%x00".join(["%H", "%P", "%an", "%ae", "%as", "%ce", "%cs", "%s", "%(trailers:only,unfold)"]) + "%x00"
TIMEOUT = 3 * 3600.0  # a hung command must not hang the whole run; 10k builds take minutes, not hours
STARTED = time.perf_counter()


# --- measuring one process tree -------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_kb: int
    code: int
    out: str = ""
    err: str = ""
    cpu: float = 0.0  # user + system seconds of the tree: on a shared machine, what wall time cannot show


class TreeSampler:
    """The peak summed PSS of a process and every descendant, sampled every 0.1 s for the first second, then
    every 0.5 s: reading a process's PSS takes its memory lock, and sampling a 20-second audit every 0.1 s
    slowed it by a fifth (a measurement must not be what it measures)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        started = time.perf_counter()
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in _tree(self.pid)))
            self._stop.wait(0.1 if time.perf_counter() - started < 1.0 else 0.5)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kb


def _processes() -> dict[int, list[str]]:
    """pid -> the fields of /proc/PID/stat after the name (state, ppid, pgrp, session, …) of every process."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                found[int(name)] = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
    return found


def _tree(root: int, processes: dict[int, list[str]] | None = None) -> list[int]:
    """`root` and its descendants, by parent pid: a child that starts a session of its own (sqmy's background
    search index does) is still found, which a session or process group would miss."""
    processes = _processes() if processes is None else processes
    children: dict[int, list[int]] = {}
    for pid, fields in processes.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _cpu_ticks(root: int) -> tuple[int, int]:
    """(CPU ticks used so far by `root` and its descendants, finished children included; how many descendants)."""
    processes = _processes()
    tree = _tree(root, processes)
    return sum(sum(int(f) for f in processes[pid][11:15]) for pid in tree if pid in processes), len(tree) - 1


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def _reap(proc: subprocess.Popen[bytes], timeout: float, sampler: TreeSampler | None = None) -> tuple[int, int, float]:
    """Wait for `proc` with wait4 (for ru_maxrss); (exit code, peak kB of the tree, CPU seconds of the tree)."""
    sampler = sampler or TreeSampler(proc.pid)
    killer = threading.Timer(timeout, _kill, (proc.pid,))
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:  # interrupted: leave no orphan behind
        _kill(proc.pid)
        os.wait4(proc.pid, 0)
        raise
    finally:
        killer.cancel()
        sampled = sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    return proc.returncode, max(usage.ru_maxrss, sampled), usage.ru_utime + usage.ru_stime


def _kill(pid: int, sig: int = signal.SIGKILL) -> None:
    """`sig` to the process group of `pid` (its own: started in a new session); SIGKILL to every descendant too,
    those in sessions of their own included."""
    for target in [pid] + (_tree(pid)[1:] if sig == signal.SIGKILL else []):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(target, sig) if target == pid else os.kill(target, sig)


def measure(args: list[str], cwd: Path, env: dict[str, str], capture: bool = True) -> Run:
    """Run `args` in a fresh process (its own session); wall time and peak memory of its tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out if capture else subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
        code, peak, cpu = _reap(proc, TIMEOUT)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Run(seconds, peak, code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), cpu)


# --- reporting ------------------------------------------------------------------------------


def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def secs(s: float | None) -> str:
    return "—" if s is None else f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def mb(kb: int | None) -> str:
    return "—" if kb is None else f"{kb / 1024:,.0f} MB"


def per_second(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 10 else f"{rate:.1f}"


def log(size: str, message: str) -> None:
    elapsed = time.perf_counter() - STARTED
    print(f"[{size} +{int(elapsed) // 60}:{int(elapsed) % 60:02d}] {message}", file=sys.stderr, flush=True)


def tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


@dataclass
class Row:
    """One line of a size's table: sqmy's figure and its floor."""

    key: str  # stable name, for the summary and the JSON
    step: str
    seconds: float | None = None
    peak_kb: int | None = None
    cpu: float | None = None
    base: str = ""  # what the floor is
    base_seconds: float | None = None
    base_peak_kb: int | None = None
    base_cpu: float | None = None
    count: int | None = None  # items or documents, for a rate
    unit: str = ""
    note: str = ""
    error: str = ""

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.base_seconds if self.seconds and self.base_seconds else None

    @property
    def rate(self) -> float | None:
        return self.count / self.seconds if self.count and self.seconds else None

    def cells(self) -> list[str]:
        sqmy = "failed" if self.error and self.seconds is None else secs(self.seconds)
        if self.rate:
            sqmy += f" = {per_second(self.rate)} {self.unit}/s"
        base = f"{secs(self.base_seconds)} {self.base}" if self.base_seconds is not None else (f"failed: {self.base}" if self.base else "—")
        ratio = f"{self.ratio:.2f}×" if self.ratio else "—"
        cpu = f"{secs(self.cpu)} / {secs(self.base_cpu)}" if self.cpu is not None else "—"
        return [self.step, sqmy, base, ratio, f"{mb(self.peak_kb)} / {mb(self.base_peak_kb)}", cpu]


@dataclass
class Size:
    items: int
    office: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def table(self) -> str:
        lines = [f"### {self.items:,} items ({label(self.items)})", "",
                 "| step | sqmy | baseline | ratio | peak memory (sqmy / baseline) | CPU (sqmy / baseline) |", "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(r.cells()) + " |" for r in self.rows]
        lines += ["", *[f"- {n}" for n in self.notes]]
        return "\n".join(lines)


# the main figures: (label, row key, what to show: "time" = seconds and ratio, "rate", "ratio")
SUMMARY = [
    ("validate cold (÷ YAML floor)", "validate-cold", "time"),
    ("validate warm", "validate-warm", "rate"),
    ("audit, whole history (÷ git log)", "audit", "time"),
    ("audit --since, one pull request", "audit-pr", "time"),
    ("re-audit one merge later (÷ audit before it)", "reaudit", "time"),
    ("stats cold ÷ validate cold (target ≤ 1.2)", "stats-cold", "ratio"),
    ("score cold ÷ validate cold (target ≤ 1.2)", "score-cold", "ratio"),
    ("build internal (÷ bare material + Pagefind)", "build-internal", "time"),
    ("build public (÷ bare material + Pagefind)", "build-public", "time"),
    ("rebuild after one change, mkdocs serve (÷ first build)", "rebuild", "time"),
    ("… until the server is idle again (÷ first build)", "rebuild-idle", "time"),
    ("docx all, one year (÷ pandoc alone)", "docx-all", "rate"),
    ("docx journal, one issue (÷ YAML + one pandoc)", "docx-journal", "time"),
]


def summary(sizes: list[Size]) -> str:
    """The main figures side by side, and how much each grew from one size to the next.

    Growth is of the seconds; a step growing a quarter faster than the items
    is marked ⚠ (worse than linear, or noise: the machine is shared).
    """
    steps = list(pairwise(sizes))
    grows = " ".join(f"×{b.items / a.items:.3g}" for a, b in steps)
    lines = ["| step | " + " | ".join(label(s.items) for s in sizes) + f" | growth (items {grows}) |", "|---" * (len(sizes) + 2) + "|"]

    def growth(values: list[float | None]) -> str:
        out = []
        for (a, b), (x, y) in zip(steps, pairwise(values), strict=True):
            if x and y:
                out.append(f"×{y / x:.1f}" + (" ⚠" if y / x > 1.25 * b.items / a.items else ""))
            else:
                out.append("—")
        return " ".join(out) or "—"

    for name, key, kind in SUMMARY:
        cells = []
        for s in sizes:
            r = s.row(key)
            if r is None or r.seconds is None:
                cells.append("failed" if r is not None else "—")
            elif kind == "rate" and r.rate:
                cells.append(f"{per_second(r.rate)} {r.unit}/s ({secs(r.seconds)}" + (f", {r.ratio:.2f}×)" if r.ratio else ")"))
            elif kind == "ratio":
                cells.append(f"{r.ratio:.2f}× ({secs(r.seconds)})" if r.ratio else secs(r.seconds))
            else:
                cells.append(f"{secs(r.seconds)} ({r.ratio:.2f}×)" if r.ratio else secs(r.seconds))
        seconds = [(r.seconds if (r := s.row(key)) else None) for s in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth(seconds)} |")
    peaks = [max((r for r in s.rows if r.peak_kb), key=lambda r: r.peak_kb or 0, default=None) for s in sizes]
    cells = [f"{mb(p.peak_kb)} ({p.step})" if p else "—" for p in peaks]
    lines.append("| peak memory, largest step | " + " | ".join(cells) + f" | {growth([p.peak_kb if p else None for p in peaks])} |")
    return "\n".join(lines)


# --- the work folder and the offices -----------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work: Path = args.work.resolve()
        self.run_dir = self.work / f"run-{os.getpid()}"
        # temporary files of the commands (MkDocs' serve site, sqmy's search documents) inside the run folder:
        # whatever a killed command leaves behind goes with it
        self.tmp = self.run_dir / "tmp"
        self.env = dict(os.environ, SQMY_TODAY=TODAY, NO_MKDOCS_2_WARNING="1", TMPDIR=str(self.tmp))
        self.env.pop("SQMY_NO_CACHE", None)  # caches are part of what is measured
        self.commit = sqmy_commit()

    def remove(self, path: Path) -> None:
        """Delete `path`, which must lie inside the work folder."""
        if not path.resolve().is_relative_to(self.work) or path.resolve() == self.work:
            raise RuntimeError(f"refusing to delete {path}: outside the work folder {self.work}")
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()

    def office(self, n: int, size: str) -> tuple[Path, dict[str, Any]]:
        """The kept office of `n` items (made now if missing, or with --fresh)."""
        name = f"demo-{n}-seed{self.args.seed}"
        office, stamp, making = self.work / name, self.work / f"{name}.json", self.work / f"{name}.making"
        if office.is_dir() and stamp.is_file() and not self.args.fresh:
            made = json.loads(stamp.read_text("utf-8"))
            if made.get("sqmy") != self.commit:
                log(size, f"reusing {office}, made by sqmy {made.get('sqmy')} (now {self.commit}); --fresh to make it again")
            return office, {**made, "reused": True}
        for stale in (office, stamp, making):  # an office without its stamp is a demo that never finished
            self.remove(stale)
        command = [SQMY, "--root", str(REPO), "demo", "--items", str(n), "--seed", str(self.args.seed), "--out", str(making)]
        log(size, f"making the office: {' '.join(command[1:])} …")
        done = measure(command, REPO, self.env)
        if done.code != 0:
            raise RuntimeError(f"sqmy demo failed (exit {done.code}):\n{tail(done.err)}")
        making.rename(office)  # the demo writes no absolute paths into the office: it can move
        made = {"sqmy": self.commit, "command": [*command[:-1], str(office)], "made": dt.datetime.now().isoformat(timespec="seconds"),
                "seconds": round(done.seconds, 1), "peak_kb": done.peak_kb, "summary": done.out.strip().splitlines()[-1:]}
        stamp.write_text(json.dumps(made, ensure_ascii=False, indent=1), "utf-8")
        log(size, f"office made in {secs(done.seconds)}")
        return office, {**made, "reused": False}


def sqmy_commit() -> str:
    """The commit of the sqmy being measured, '+changes' when its package has uncommitted edits (read-only git calls)."""
    def git(*words: str) -> str:
        return subprocess.run(["git", "--no-optional-locks", *words], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD")
    return head + ("+changes" if git("status", "--porcelain", "--", "scripts", "templates") else "")


# --- one size ---------------------------------------------------------------------------------


class StepFailed(Exception):
    pass


class Office:
    """The steps on one size: a clone of the kept office, a user cache folder of its own."""

    def __init__(self, bench: Bench, size: Size, office: Path) -> None:
        self.bench, self.size, self.kept = bench, size, office
        self.tag = label(size.items)
        self.dir = bench.run_dir / f"office-{size.items}"
        self.xdg = bench.run_dir / f"cache-{size.items}"
        self.env = dict(bench.env, XDG_CACHE_HOME=str(self.xdg))
        self.clone = self.fresh_clone("main")
        years = Counter(p.parent.name for p in (self.clone / "items").glob("*/*.md"))
        self.year, self.year_items = years.most_common(1)[0] if years else (str(dt.date.fromisoformat(TODAY).year), 0)
        self.items = sum(years.values())

    def fresh_clone(self, name: str) -> Path:
        target = self.dir / name
        self.bench.remove(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(self.kept), str(target)], check=True)
        log(self.tag, f"git clone {target.name}: {secs(time.perf_counter() - started)}")
        return target

    def git(self, *words: str, cwd: Path | None = None) -> str:
        return subprocess.run(["git", *words], cwd=cwd or self.clone, capture_output=True, text=True, check=True).stdout.strip()

    def cold(self, clone: Path | None = None) -> None:
        """No item cache and a new user cache folder (no cache key, no reference document)."""
        self.bench.remove((clone or self.clone) / ".sqmy")
        self.bench.remove(self.xdg)
        self.xdg.mkdir(parents=True)

    def run(self, what: str, args: list[str], cwd: Path | None = None, codes: tuple[int, ...] = (0,), capture: bool = True) -> Run:
        log(self.tag, f"{what} …")
        done = measure(args, cwd or self.clone, self.env, capture)
        if done.code not in codes:
            log(self.tag, f"{what}: FAILED (exit {done.code}) after {secs(done.seconds)}\n{tail(done.err or done.out)}")
            raise StepFailed(f"{what}: exit {done.code}")
        log(self.tag, f"{what}: {secs(done.seconds)} (CPU {secs(done.cpu)}), {mb(done.peak_kb)}")
        return done

    def pair(self, key: str, step: str, sqmy: Callable[[], Run], base: str, floor: Callable[[], Run | tuple[Run, ...]],
             count: int | None = None, unit: str = "") -> Row:
        """sqmy's figure, then its floor right after; a failed floor leaves sqmy's figure standing."""
        row = Row(key, step, base=base, count=count, unit=unit)
        self.size.rows.append(row)
        try:
            done = sqmy()
        except StepFailed as exc:
            row.error = str(exc)
            return row
        row.seconds, row.peak_kb, row.cpu = done.seconds, done.peak_kb, done.cpu
        try:
            floors = floor()
        except (StepFailed, subprocess.CalledProcessError, OSError) as exc:
            row.error = f"floor: {exc}"
            return row
        runs = floors if isinstance(floors, tuple) else (floors,)
        row.base_seconds = sum(r.seconds for r in runs)  # a floor of several processes: one after another
        row.base_peak_kb = max(r.peak_kb for r in runs)
        row.base_cpu = sum(r.cpu for r in runs)
        return row

    # --- the steps ---

    def audit(self) -> None:
        def audit(what: str, args: list[str], cwd: Path | None = None) -> Run:
            done = self.run(what, args, cwd, (0, 1))  # 1: violations found, a result like any other
            lines = done.out.strip().splitlines()
            self.size.notes.append(f"{what}: {lines[-1] if lines else '(no output)'}")
            return done

        self.cold()
        self.pair("audit", "audit, whole history", partial(audit, "sqmy audit (whole history, cold)", [SQMY, "audit"]),
                  "git log --all --name-only", partial(self.run, "git log --all --name-only (floor)",
                                                       ["git", "log", "--all", "--name-only", f"--format={LOG_FORMAT}"], capture=False))
        # a pull request and a merge are checked out: in a clone of their own, so that the main clone
        # stays at main, and whatever the audit caches is cold there too
        other = self.fresh_clone("audit")
        try:
            self.cold(other)
            branches = self.git("branch", "-r", "--no-merged", "main", "--list", "origin/item/*", "--format=%(refname:short)", cwd=other).split()
            if not branches:
                self.size.notes.append("audit --since: no open item branch in this office")
            else:
                self.git("checkout", "-q", "--detach", branches[0], cwd=other)
                base = self.git("merge-base", "HEAD", "main", cwd=other)
                commits = self.git("rev-list", "--count", f"{base}..HEAD", cwd=other)
                self.pair("audit-pr", "audit --since, one pull request",
                          partial(audit, f"sqmy audit --since <merge-base> ({branches[0]}, {commits} commits)", [SQMY, "audit", "--since", base], other),
                          "sqmy --help (start-up)", partial(self.run, "sqmy --help (start-up floor)", [SQMY, "--help"], other))
            # the last merge on main: audit the history just before it (what sqmy caches is then warm), then with it
            merge = self.git("rev-list", "-n1", "--first-parent", "--merges", "main", cwd=other)
            self.git("checkout", "-q", "--detach", f"{merge}^1", cwd=other)
            before = audit("sqmy audit one merge before", [SQMY, "audit"], other)
            self.git("checkout", "-q", "--detach", merge, cwd=other)
            self.pair("reaudit", "re-audit one merge later", partial(audit, "sqmy audit one merge later", [SQMY, "audit"], other),
                      "the audit one merge before", lambda: before)
        finally:
            self.bench.remove(other)

    def validate(self) -> None:
        self.cold()
        floor: list[Run] = []

        def yaml_floor() -> Run:
            if not floor:
                floor.append(self.run("YAML floor (every front matter, libyaml)", [PY, FLOORS, "yaml", str(self.clone)]))
            return floor[0]

        validate = [SQMY, "validate"]
        self.pair("validate-cold", "validate cold", lambda: self.run("sqmy validate (cold)", validate, codes=(0, 1)),
                  "YAML floor", yaml_floor, count=self.items, unit="items")
        self.pair("validate-warm", "validate warm", lambda: self.run("sqmy validate (warm)", validate, codes=(0, 1)),
                  "YAML floor", yaml_floor, count=self.items, unit="items")

    def stats(self) -> None:
        self.cold()
        validate = [SQMY, "validate"]
        baseline = {"cold": self.run("sqmy validate (cold, baseline of stats and score)", validate, codes=(0, 1))}
        baseline["warm"] = self.run("sqmy validate (warm, baseline of stats and score)", validate, codes=(0, 1))
        for command in ("stats", "score"):
            self.cold()
            args = [SQMY, command, "--year", self.year, "--format", "json"]
            for state in ("cold", "warm"):
                self.pair(f"{command}-{state}", f"{command} --year {self.year} {state}", partial(self.run, f"sqmy {command} ({state})", args),
                          f"validate {state}", partial(baseline.__getitem__, state))

    def similar(self) -> None:
        """查重 of one item against the whole office: cold (every report's n-grams counted), then with the kept counts."""
        self.cold()
        item = sorted((self.clone / "items").rglob("*.md"))[-1].stem  # the newest: what a reviewer checks
        validate = [SQMY, "validate"]
        baseline = {"cold": self.run("sqmy validate (cold, baseline of similar)", validate, codes=(0, 1))}
        baseline["warm"] = self.run("sqmy validate (warm, baseline of similar)", validate, codes=(0, 1))
        self.cold()
        args = [SQMY, "similar", item, "--format", "json"]
        for state in ("cold", "warm"):
            self.pair(f"similar-{state}", f"similar ID {state}", partial(self.run, f"sqmy similar ({state})", args),
                      f"validate {state}", partial(baseline.__getitem__, state))

    def build(self) -> None:
        for audience in ("internal", "public"):
            site = self.clone / ("site" if audience == "internal" else "site-public")
            bare = self.bench.run_dir / f"bare-{self.size.items}-{audience}"
            self.cold()  # CI builds the archive from a fresh checkout
            args = [SQMY, "build"] + (["--audience", audience] if audience == "public" else [])

            def floor(bare: Path = bare, audience: str = audience) -> tuple[Run, Run]:
                self.bench.remove(bare)
                self.run(f"writing the bare {audience} pages (not timed)", [PY, FLOORS, "bare", str(self.clone), str(bare), "--audience", audience])
                built = self.run(f"bare mkdocs-material build, {audience} pages", [PY, "-m", "mkdocs", "build", "-q"], bare)
                indexed = self.run("Pagefind over the bare site", [PY, "-m", "pagefind", "--site", "site", "--quiet"], bare)
                return built, indexed

            try:
                row = self.pair(f"build-{audience}", f"build {audience}", partial(self.run, f"sqmy build ({audience})", args),
                                "bare material + Pagefind", floor)
                if row.seconds is not None:
                    pages = sum(1 for _ in site.rglob("index.html"))
                    bare_pages = sum(1 for _ in (bare / "site").rglob("index.html"))
                    self.size.notes.append(f"build {audience}: {pages:,} pages" + (f" (bare site: {bare_pages:,})" if bare_pages else ""))
            finally:
                self.bench.remove(site)
                self.bench.remove(bare)

    def rebuild(self) -> None:
        """`mkdocs serve`, one line appended to one item: until the pages are rebuilt, and until the server is idle again.

        The second figure catches work the plugin leaves to the background
        (such as the search index) without relying on its messages.
        """
        row = Row("rebuild", "rebuild after one item changed (mkdocs serve)", base="first build of the same serve")
        idle = Row("rebuild-idle", "… until the server is idle again", base="first build of the same serve")
        self.size.rows += [row, idle]
        target = sorted((self.clone / "items").glob(f"{self.year}/*.md"))[0]
        original = target.read_bytes()
        self.cold()
        with socket.socket() as probe:  # a free port, so that parallel runs do not collide
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log(self.tag, f"mkdocs serve on port {port} …")
        started = time.perf_counter()
        proc = subprocess.Popen([str(BIN / "mkdocs"), "serve", "-a", f"127.0.0.1:{port}"], cwd=self.clone, env=self.env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        seen: list[str] = []

        def read() -> None:
            assert proc.stderr is not None
            for raw in proc.stderr:
                lines.put((time.perf_counter(), raw.decode("utf-8", "replace").rstrip()))
            lines.put(None)

        def wait_for(*marks: str) -> tuple[float, str]:
            deadline = time.perf_counter() + TIMEOUT
            while True:
                got = lines.get(timeout=max(deadline - time.perf_counter(), 1))
                if got is None:
                    raise StepFailed("mkdocs serve stopped")
                seen.append(got[1])
                if any(m in got[1] for m in marks):
                    return got

        hz = os.sysconf("SC_CLK_TCK")

        def quiet(since: float) -> tuple[float, float]:
            """Seconds from `since` until the server is idle (no child process, under half a core) for 3 s on end;
            and the share of a core it used while idle.

            Idle is not zero: MkDocs polls the watched folders (items/ too) every half second."""
            busy, (ticks, _) = time.perf_counter(), _cpu_ticks(proc.pid)
            window: list[tuple[float, int]] = []
            while time.perf_counter() - busy < 3:
                time.sleep(0.25)
                now, (more, children) = time.perf_counter(), _cpu_ticks(proc.pid)
                if children or more - ticks > hz * 0.25 * 0.5:
                    busy, window = now, []
                window.append((now, more))
                ticks = more
                if now - since > TIMEOUT or proc.poll() is not None:
                    raise StepFailed("mkdocs serve did not settle")
            share = (window[-1][1] - window[0][1]) / hz / max(window[-1][0] - window[0][0], 0.1)
            return busy - since, share

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        code, peak = 0, 0
        try:
            at, _ = wait_for("Serving on")
            row.base_seconds = idle.base_seconds = at - started
            log(self.tag, f"mkdocs serve: first build done, serving after {secs(row.base_seconds)}")
            with target.open("a", encoding="utf-8") as f:
                f.write("\n基准测试追加的一行。\n")
            changed, mark = time.perf_counter(), len(seen)
            at, line = wait_for("Documentation built in")
            row.seconds = at - changed
            reported = re.search(r"built in ([\d.]+) seconds", line)
            log(self.tag, f"mkdocs serve: rebuilt {secs(row.seconds)} after the change")
            settled, share = quiet(changed)
            idle.seconds = max(settled, row.seconds)
            log(self.tag, f"mkdocs serve: idle again {secs(idle.seconds)} after the change (idle, it uses {share:.0%} of a core)")
            while (got := lines.get_nowait() if not lines.empty() else None) is not None:
                seen.append(got[1])
            row.note = "; ".join(filter(None, [f"MkDocs reports the rebuild as {reported.group(1)} s" if reported else "",
                                               f"the idle server uses {share:.0%} of a core",
                                               *(m for x in seen[mark:] if (m := x.split("-  ", 1)[-1]).startswith("sqmy"))]))  # the plugin's own lines
        except (StepFailed, queue.Empty) as exc:
            row.error = str(exc) or "timed out"
            log(self.tag, f"rebuild: FAILED: {row.error}\n{tail(chr(10).join(seen))}")
        finally:
            # what Ctrl-C does: MkDocs stops its server and deletes its temporary site; a first build's time
            # is left for it to finish what it is doing before it is killed
            _kill(proc.pid, signal.SIGINT)
            stopper = threading.Timer(max(120.0, 2 * (row.base_seconds or 0)), _kill, (proc.pid,))
            stopper.start()
            stopping = time.perf_counter()
            try:
                code, peak, _ = _reap(proc, TIMEOUT, sampler)
            finally:
                stopper.cancel()
                reader.join(timeout=5)
                target.write_bytes(original)
        row.peak_kb = row.base_peak_kb = idle.peak_kb = idle.base_peak_kb = peak  # one process did both builds
        self.size.notes.append(f"rebuild: {row.note or 'no notes'}; serve stopped {secs(time.perf_counter() - stopping)} after Ctrl-C, exit {code}")

    def docx(self) -> None:
        out = self.bench.run_dir / f"docx-{self.size.items}"
        self.bench.remove(out)
        issues = Counter((m["journal"].get("year"), m["journal"].get("issue")) for _, m, _ in front_matters(self.clone)
                         if isinstance(m.get("journal"), dict) and str(m["journal"].get("year")) == self.year)
        issue = min(issues, key=lambda k: (-issues[k], k[1]))[1] if issues else 1  # the fullest issue of the year
        journal = [SQMY, "docx", "journal", "--issue", str(issue), "--year", self.year]
        try:
            # daily use: the reference document built once and kept in the user cache, the items cached
            with contextlib.suppress(StepFailed):  # a failure shows again below, where it counts
                self.run("sqmy docx journal (warm-up, not timed)", [*journal, "-o", str(out / "warm-up.docx")])
            written: list[int] = []

            def everything() -> Run:
                done = self.run(f"sqmy docx all --year {self.year}", [SQMY, "docx", "all", "--year", self.year, "-o", str(out / "all")], codes=(0, 1))
                written.append(sum(1 for _ in (out / "all").rglob("*.docx")))
                return done

            row = self.pair("docx-all", f"docx all --year {self.year}", everything, "pandoc alone",
                            lambda: self.run("pandoc floor (one process a document)",
                                             [PY, FLOORS, "pandoc", str(self.clone), str(out / "floor"), "--year", self.year, "--count", str(written[0])]),
                            unit="documents")
            row.count = written[0] if written else None  # known once sqmy has run
            if written:
                self.size.notes.append(f"docx all: {written[0]:,} documents for {self.year} ({self.year_items:,} items)")
            self.pair("docx-journal", f"docx journal --issue {issue} --year {self.year}",
                      lambda: self.run(f"sqmy docx journal --issue {issue}", [*journal, "-o", str(out / "journal.docx")]),
                      "YAML + one pandoc", lambda: self.run("journal floor (YAML + one pandoc)",
                                                            [PY, FLOORS, "journal", str(self.clone), str(out / "floor.docx"),
                                                             "--year", self.year, "--issue", str(issue)]))
        finally:
            self.bench.remove(out)


# --- the whole run ----------------------------------------------------------------------------


def bench_size(bench: Bench, n: int) -> Size:
    size = Size(n)
    tag = label(n)
    log(tag, f"{n:,} items (load average {os.getloadavg()[0]:.1f})")
    office_dir, size.office = bench.office(n, tag)
    made = "made in this run" if not size.office.get("reused") else f"reused, made {size.office.get('made')}"
    size.notes.append(f"office: {office_dir} ({made} by sqmy {size.office.get('sqmy')}; "
                      f"demo {size.office.get('seconds')} s, {mb(size.office.get('peak_kb'))})")
    size.notes.append(f"measured with sqmy {sqmy_commit()} (others may be changing it during a run)")
    office = Office(bench, size, office_dir)
    for step in STEPS:
        if step not in bench.args.steps:
            continue
        try:
            getattr(office, step)()
        except Exception as exc:  # one broken step must not lose the other steps' figures
            log(tag, f"step {step} FAILED: {exc!r}")
            size.rows.append(Row(step, f"{step} (step failed)", error=repr(exc)))
    if not bench.args.keep:
        bench.remove(office.dir)
        bench.remove(office.xdg)
    log(tag, f"done (load average {os.getloadavg()[0]:.1f})")
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", nargs="+", choices=STEPS, default=list(STEPS))
    default_work = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sqmy-bench"
    parser.add_argument("--work", type=Path, default=default_work, help=f"where offices are kept (default {default_work})")
    parser.add_argument("--fresh", action="store_true", help="make the offices again even if kept")
    parser.add_argument("--keep", action="store_true", help="keep this run's clones and caches (in WORK/run-PID)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    bench.tmp.mkdir(parents=True, exist_ok=True)
    # started in the background by a shell, this process (and so every child) may ignore SIGINT:
    # `mkdocs serve` would then not stop on it, and leave its temporary site behind
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = dt.datetime.now()
    header = (f"sqmy {bench.commit}, SQMY_TODAY={TODAY}, seed {args.seed}, {len(os.sched_getaffinity(0))} cores, "
              f"started {started:%Y-%m-%d %H:%M}")
    print(f"## sqmy at scale\n\n{header}\n", flush=True)
    sizes = []
    try:
        for n in sorted(args.items):
            size = bench_size(bench, n)
            sizes.append(size)
            print(size.table() + "\n", flush=True)
    except KeyboardInterrupt:  # the sizes done so far are still worth a summary
        print("(interrupted)\n", flush=True)
    finally:
        if not args.keep:
            with contextlib.suppress(OSError, RuntimeError):
                bench.remove(bench.run_dir)
    took = time.perf_counter() - STARTED
    if sizes:
        print(f"### Summary\n\n{summary(sizes)}\n\nWhole run: {took / 60:.1f} min.", flush=True)
    if args.json:
        data = {"header": header, "argv": sys.argv, "sqmy": bench.commit, "today": TODAY, "seconds": round(took, 1),
                "sizes": {str(s.items): {"office": s.office, "notes": s.notes,
                                         "rows": [{**asdict(r), "ratio": r.ratio, "rate": r.rate} for r in s.rows]} for s in sizes}}
        args.json.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
    return 0 if all(not r.error for s in sizes for r in s.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
