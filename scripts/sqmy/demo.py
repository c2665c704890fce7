"""`sqmy demo`: a synthetic office with a real history, for tests and benchmarks.

Every item gets its own branch from `main` as it was on the day it was
submitted; each review is a commit by the reviewer who held the role that
day, with the trailers `sqmy review` writes; decided items are merged with a
merge commit by the office; outcomes follow on `main`, each a commit by the
office.  Some items are returned and revised, some go to experts, some are
rejected, the newest are still under review on open branches.  The history
is written in one `git fast-import` stream: 10,000 items take seconds, not hours.
`sqmy audit` passes on the result.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import os
import random
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

from . import registry as registry_mod
from . import review, schema, tools
from .chain import ROLE_OF_STAGE
from .errors import SqmyError
from .frontmatter import FrontMatter
from .fsutil import write_text
from .gitio import Git
from .items import content_digest
from .load import ItemTooLarge, NotRegularItem, item_files, read_item
from .paths import Repo
from .protocol import commit_env, review_message
from .registry import Person, Registry
from .schema import (
    CHAIN_STAGES,
    DIRECT,
    EXPERT,
    EXPERT_KIND,
    EXPERT_STAGE,
    FINAL,
    FIRST,
    INTERNAL,
    NOT_DUPLICATE,
    OFFICE,
    PASS,
    PUBLIC,
    REFER,
    REFERRAL,
    REJECT,
    RETURN,
    SECOND,
    TRANSFER,
)

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.date(2025, 1, 2)
TOPICS = (
    "老旧小区加装电梯", "农村生活污水治理", "社区养老服务站运营", "乡镇卫生院人才引进", "中小企业融资",
    "农村道路安全设施", "校园周边交通秩序", "饮用水水源地保护", "农产品品牌建设", "背街小巷停车管理",
    "电动自行车充电安全", "农村留守儿童关爱", "政务服务一网通办", "河道生态修复", "农村电商物流",
    "公园健身设施更新", "基层医疗设备共享", "高标准农田管护", "预付式消费监管", "防范电信网络诈骗",
)
PLACES = ("城关街道", "青山镇", "临河镇", "县城", "全县", "山区各镇")
FALLBACK_BODY = (
    "近年来，群众对这一问题反映较多，涉及面广，亟待重视。\n\n## 一、存在的问题\n\n"
    "（一）基础设施不足，群众办事不便。\n\n（二）部门之间协调不够，责任不清。\n\n## 二、意见建议\n\n"
    "1. 由相关部门牵头制定工作方案，明确责任和时限。\n2. 加大投入，补齐短板。\n"
)


@dataclass(order=True)
class _Event:
    when: dt.datetime
    seq: int
    run: Callable[[], None] = field(compare=False)


@dataclass
class _Item:
    id: str
    title: str
    authors: list[str]
    text: str
    branch: str
    tip: int = 0  # mark of the branch's last commit
    signed: dict[str, str] = field(default_factory=dict)  # person -> stage
    expert: str | None = None  # named by 初审 for 联合复核
    routes: list[str] = field(default_factory=list)
    transfers: list[dict[str, object]] = field(default_factory=list)


class _Writer:
    """Marks and commits in a fast-import stream."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.mark = 0
        self.commits = 0

    def _data(self, data: bytes) -> None:
        self.out.write(b"data %d\n" % len(data))
        self.out.write(data)
        self.out.write(b"\n")

    def commit(
        self, ref: str, who: Person, when: dt.datetime, text: str, parent: int, files: dict[str, str], merge: int = 0,
    ) -> int:
        blobs = {}
        for path, content in files.items():
            self.mark += 1
            self.out.write(b"blob\nmark :%d\n" % self.mark)
            self._data(content.encode("utf-8"))
            blobs[path] = self.mark
        self.mark += 1
        self.commits += 1
        stamp = b"%d +0800" % int(when.timestamp())
        ident = f"{who.name} <{who.email}> ".encode()
        self.out.write(f"commit {ref}\n".encode() + b"mark :%d\n" % self.mark)
        self.out.write(b"author " + ident + stamp + b"\ncommitter " + ident + stamp + b"\n")
        self._data(text.encode("utf-8"))
        if parent:
            self.out.write(b"from :%d\n" % parent)
        if merge:
            self.out.write(b"merge :%d\n" % merge)
        for path, blob in blobs.items():
            self.out.write(f"M 100644 :{blob} {path}\n".encode())
        self.out.write(b"\n")
        return self.mark


class _Office:
    def __init__(self, reg: Registry, rng: random.Random, today: dt.date, bodies: list[str], writer: _Writer) -> None:
        self.reg = reg
        self.rng = rng
        self.today = today
        self.bodies = bodies
        self.w = writer
        self.main = 0
        self.now = dt.datetime.combine(START, dt.time(8, 0), TZ)
        self.queue: list[_Event] = []
        self.seq = 0
        self.issue: Counter[int] = Counter()
        self.pending_journal: dict[int, int] = {}  # year -> items in the open issue
        self.letters: Counter[int] = Counter()
        self.stats: Counter[str] = Counter()
        roles = set(ROLE_OF_STAGE.values()) | {OFFICE}
        self.writers = [p for p in reg.people.values() if p.kind != EXPERT_KIND and not any(r.role in roles for r in p.roles)]
        if not self.writers:
            raise SqmyError("名册中没有可以作为反映人的人员（委员、机关干部或特约信息员）")
        self.recipients = [u.id for u in reg.units.values() if u.kind in schema.TRANSFER_RECIPIENT_KINDS]

    # --- scheduling --------------------------------------------------------------

    def at(self, day: dt.date, run: Callable[[], None], hour: int | None = None) -> bool:
        """Schedule `run` on `day` (False when that is after today: it has not happened yet)."""
        if day > self.today:
            return False
        when = dt.datetime.combine(day, dt.time(hour if hour is not None else self.rng.randint(9, 17), self.rng.randint(0, 59)), TZ)
        self.seq += 1
        heapq.heappush(self.queue, _Event(when, self.seq, run))
        return True

    def run(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            self.now = event.when
            event.run()

    def someone(self, role: str, day: dt.date, exclude: set[str]) -> Person | None:
        choices = [p for p in self.reg.holders(role, day) if p.id not in exclude]
        return self.rng.choice(choices) if choices else None

    def office(self, day: dt.date) -> Person:
        found = self.someone(OFFICE, day, set())
        if found is None:
            raise SqmyError(f"{day} 没有人担任“办公室”角色：演示数据需要办公室人员合并和记录办理结果")
        return found

    # --- one item ------------------------------------------------------------------

    def new_item(self, n: int, day: dt.date) -> _Item:
        author = self.rng.choice(self.writers)
        authors = [author.id]
        if self.rng.random() < 0.25:
            other = self.rng.choice(self.writers)
            if other.id != author.id:
                authors.append(other.id)
        item_id = f"{day.year}-{day:%m%d}-{author.id.replace('-', '')}-{n:05d}"
        title = f"关于{self.rng.choice(PLACES)}{self.rng.choice(TOPICS)}的建议"
        topics = list(self.reg.key_topics.get(day.year, {}))
        fm = FrontMatter("---\n---\n")
        fields: dict[str, object] = {
            "id": item_id, "title": title, "authors": authors, "unit": author.unit, "submitted": day.isoformat(),
            "category": self.rng.choice(self.reg.categories), "focus": self.rng.choice(self.reg.focuses),
            "key_topic": self.rng.choice(topics) if topics and self.rng.random() < 0.3 else None,
            "source": self.rng.choice(schema.SOURCES), "audience": PUBLIC if self.rng.random() < 0.3 else INTERNAL,
        }
        for key, value in fields.items():
            fm.set(key, value)
        self.stats["items"] += 1
        return _Item(item_id, title, authors, fm.text() + "\n" + self.rng.choice(self.bodies), f"refs/heads/item/{item_id}")

    def submit(self, n: int, day: dt.date) -> None:
        item = self.new_item(n, day)
        author = self.reg.people[item.authors[0]]
        title = item.title

        def create() -> None:
            item.tip = self.w.commit(item.branch, self.reg.people[author.id], self.now, f"报送信息：{title}\n", self.main, {self.path(item): item.text})

        self.at(day, create, hour=9)
        self.plan(item, day)

    @staticmethod
    def path(item: _Item) -> str:
        return f"items/{item.id[:4]}/{item.id}.md"

    def plan(self, item: _Item, day: dt.date) -> None:
        """The item's whole story, decided now and played out in date order."""
        r = self.rng.random()
        steps: list[tuple[str, str]] = [(FIRST, PASS), (SECOND, PASS), (FINAL, PASS)]
        if r < 0.08:
            steps = [(FIRST, REJECT)]
        elif r < 0.11:
            steps = [(FIRST, PASS), (SECOND, REJECT)]
        elif r < 0.13:
            steps = [(FIRST, PASS), (SECOND, PASS), (FINAL, REJECT)]
        elif r < 0.25:
            steps = [(FIRST, RETURN), ("修改", ""), *steps]
        elif r < 0.30:
            steps = [(FIRST, PASS), (SECOND, RETURN), ("修改", ""), *steps]
        elif r < 0.42:
            steps = [(FIRST, REFER), (EXPERT_STAGE, PASS), *steps]
        for stage, decision in steps:
            day += dt.timedelta(days=self.rng.randint(1, 6))
            if not self.at(day, partial(self.step, item, stage, decision, day)):
                self.stats["open"] += 1
                return  # still under review: the branch stays open
        day += dt.timedelta(days=self.rng.randint(1, 3))
        if not self.at(day, partial(self.merge, item, day)):
            self.stats["open"] += 1

    def step(self, item: _Item, stage: str, decision: str, day: dt.date) -> None:
        if stage == "修改":  # the author revises the text
            body_start = item.text.index("\n---\n") + 5
            item.text = item.text[:body_start] + item.text[body_start:].rstrip("\n") + "\n\n（根据审核意见补充了调研数据。）\n"
            item.tip = self.w.commit(item.branch, self.reg.people[item.authors[0]], self.now, "按审核意见修改\n", item.tip, {self.path(item): item.text})
            return
        role = ROLE_OF_STAGE[stage]
        exclude = set(item.authors) | {p for p, s in item.signed.items() if s != stage}
        reviewer = self.reg.people[item.expert] if stage == EXPERT_STAGE and item.expert else self.someone(role, day, exclude)
        if reviewer is None:
            return
        item.signed.setdefault(reviewer.id, stage)
        fm = FrontMatter(item.text)
        digest = self._digest(item.text)
        entry: dict[str, object] = {"stage": stage, "by": reviewer.id, "decision": decision, "date": day.isoformat(), "digest": digest}
        if decision == REFER:
            expert = self.someone(EXPERT, day, exclude | {reviewer.id})
            if expert is None:
                return
            entry["experts"] = [expert.id]
            item.expert = expert.id
        fm.append("reviews", entry)
        if stage == FINAL and decision == PASS:
            routes = [r for r, p in ((DIRECT, 0.6), (REFERRAL, 0.3), (TRANSFER, 0.25)) if self.rng.random() < p] or [DIRECT]
            fm.set("routes", routes, after=["reviews"])
            item.routes = routes
        item.text = fm.text()
        text = review_message(item.id, item.title, stage, decision, reviewer.id, digest)
        item.tip = self.w.commit(item.branch, reviewer, self.now, text, item.tip, {self.path(item): item.text})
        self.stats["reviews"] += 1

    @staticmethod
    def _digest(text: str) -> str:
        head, _, body = text[4:].partition("\n---\n")
        title = next(line[7:] for line in head.split("\n") if line.startswith("title: "))
        return content_digest(title, body)

    def merge(self, item: _Item, day: dt.date) -> None:
        merger = self.office(day)
        self.main = self.w.commit(
            "refs/heads/main", merger, self.now, f"合并：{item.title}\n", self.main, {self.path(item): item.text}, merge=item.tip,
        )
        self.stats["merged"] += 1
        if item.routes:
            self.outcomes(item, day, item.routes)

    # --- outcomes on main, by the office ------------------------------------------------

    def record(self, item: _Item, subject: str, edit: Callable[[FrontMatter], None]) -> None:
        fm = FrontMatter(item.text)
        edit(fm)
        item.text = fm.text()
        self.main = self.w.commit("refs/heads/main", self.office(self.now.date()), self.now, subject + "\n", self.main, {self.path(item): item.text})
        self.stats["outcomes"] += 1

    def outcomes(self, item: _Item, day: dt.date, routes: list[str]) -> None:
        rng = self.rng
        publish = day + dt.timedelta(days=rng.randint(1, 5))

        def journal() -> None:
            year = self.now.year
            if self.pending_journal.get(year, 3) >= 3:
                self.issue[year] += 1
                self.pending_journal[year] = 0
            self.pending_journal[year] += 1
            number = self.issue[year]
            self.record(item, f"编入《社情民意信息》{year}年第{number}期：{item.title}",
                        lambda fm: fm.set("journal", {"year": year, "issue": number}, after=["routes"]))

        self.at(publish, journal)
        if DIRECT in routes:  # the office sends it to the city CPPCC as it publishes the issue: 已上报 means sent
            sending = {"route": DIRECT, "to": "市政协办公室", "date": publish.isoformat()}
            add_sent = partial(_append, "sent", sending, ("adoptions", "instructions", "transfers", "solved"))
            self.at(publish, partial(self.record, item, f"记录直报已报送（市政协办公室）：{item.title}", add_sent))
            for level, chance, delay in (("市政协", 0.25, 25), ("省政协", 0.04, 50), ("全国政协", 0.005, 80)):
                if rng.random() < chance:
                    on = publish + dt.timedelta(days=delay + rng.randint(0, 20))
                    entry = {"level": level, "date": on.isoformat(), "ref": f"{level}《社情民意信息》采用"}
                    add = partial(_append, "adoptions", entry, ("instructions", "transfers"))
                    self.at(on, partial(self.record, item, f"记录采用（{level}）：{item.title}", add))
                else:
                    break
        if REFERRAL in routes and rng.random() < 0.3:
            on = publish + dt.timedelta(days=rng.randint(7, 30))
            entry = {"level": rng.choice(["县委", "县政府"]), "leader": rng.choice(schema.LEADERS), "date": on.isoformat(),
                     "summary": "请有关部门研究办理。"}
            self.at(on, partial(self.record, item, f"记录批示：{item.title}", partial(_append, "instructions", entry, ("transfers",))))
        if TRANSFER in routes and self.recipients:
            sent = day + dt.timedelta(days=rng.randint(2, 6))

            def transfer() -> None:
                year = self.now.year
                self.letters[year] += 1
                entry: dict[str, object] = {
                    "to": rng.choice(self.recipients), "date": sent.isoformat(), "letter": f"转〔{year}〕{self.letters[year]}号",
                    "due": (sent + dt.timedelta(days=self.reg.office.transfer_due_days)).isoformat(),
                }
                item.transfers.append(entry)
                self.record(item, f"转办：{item.title}", lambda fm: fm.set("transfers", item.transfers))
                if rng.random() < 0.6:
                    answered = sent + dt.timedelta(days=rng.randint(10, 45))
                    entry["feedback"] = {"date": answered.isoformat(), "result": rng.choice(schema.FEEDBACK_RESULTS), "summary": "已办理并反馈"}
                    self.at(answered, lambda: self.record(item, f"记录反馈：{item.title}", lambda fm: fm.set("transfers", item.transfers)))

            self.at(sent, transfer)


def _append(key: str, entry: Mapping[str, object], before: tuple[str, ...], fm: FrontMatter) -> None:
    fm.append(key, entry, before=before)


def _bodies(repo: Repo) -> Iterator[str]:
    for path in item_files(repo):
        try:  # links, special files and anything unreadable are no source of sample text
            text = read_item(path, repo.root).decode("utf-8")
        except (NotRegularItem, ItemTooLarge, OSError, UnicodeDecodeError):
            continue
        if text.startswith("---\n") and "\n---\n" in text[4:]:
            yield text[4:].split("\n---\n", 1)[1].strip("\n") + "\n"


_IDENTITY = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")


@contextlib.contextmanager
def _as(person: Person) -> Iterator[None]:
    """Git identity of `person` for the commands run inside the block."""
    saved = {k: os.environ.get(k) for k in _IDENTITY}
    os.environ.update({"GIT_AUTHOR_NAME": person.name, "GIT_AUTHOR_EMAIL": person.email,
                       "GIT_COMMITTER_NAME": person.name, "GIT_COMMITTER_EMAIL": person.email})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _signed_items(office: _Office, out: Path, git: Git, count: int, first: int) -> None:
    """The newest items, reviewed with `sqmy review` itself by reviewers who sign with SSH keys.

    Keys are made in `.sqmy-demo-keys/` (ignored by Git) and registered in
    units/people.yml by the office, as a real office would do it.
    """
    keygen = shutil.which("ssh-keygen")
    if count <= 0 or keygen is None:
        return
    reg, today = office.reg, office.today
    stages: dict[str, str] = {}
    for stage in CHAIN_STAGES:
        holders = [p for p in reg.holders(ROLE_OF_STAGE[stage], today) if p.id not in stages.values() and p not in office.writers]
        if not holders:
            return
        stages[stage] = holders[0].id
    keys_dir = out / ".sqmy-demo-keys"
    keys_dir.mkdir()
    people_path = out / "units" / "people.yml"
    text = people_path.read_text("utf-8")
    keys = {}
    for person_id in stages.values():
        person = reg.people[person_id]
        key = keys_dir / person_id
        tools.run("ssh-keygen", [keygen, "-q", "-t", "ed25519", "-N", "", "-C", person.email, "-f", str(key)], what="生成演示签名密钥失败")
        keys[person_id] = key
        public = key.with_name(key.name + ".pub").read_text("utf-8").strip()
        text = text.replace(f"  email: {person.email}\n", f"  email: {person.email}\n  ssh_key: {public}\n", 1)
    write_text(people_path, text)
    clerk = office.office(today)
    dated = commit_env(today)  # the same day as the reviews that follow: dates never run backwards
    with _as(clerk):
        git.commit_paths(["units/people.yml"], "登记审核人的签名公钥\n", env=dated)
    git.run("config", "gpg.format", "ssh")
    repo = Repo(out)
    for k in range(count):
        item = office.new_item(first + k, today)
        path = out / office.path(item)
        git.run("checkout", "-q", "-b", f"item/{item.id}", "main")
        write_text(path, item.text)
        with _as(reg.people[item.authors[0]]):
            git.commit_paths([office.path(item)], f"报送信息：{item.title}\n", env=dated)
        for stage, person_id in stages.items():
            git.run("config", "user.signingkey", str(keys[person_id]))
            git.run("config", "commit.gpgsign", "true")
            routes = (DIRECT,) if stage == FINAL else ()
            # the demo's bodies are the sample office's texts again: 初审 judges the copy (查重结论), once for the chain
            first = stage == FIRST
            request = review.Request(item.id, stage, PASS, "演示数据：正文借用示例信息的全文，按非重复处理" if first else "", routes,
                                     duplicate=NOT_DUPLICATE if first else "")
            with _as(reg.people[person_id]):
                review.record(repo, request, today)
            git.run("config", "commit.gpgsign", "false")
            office.stats["reviews"] += 1
            office.stats["signed"] += 1
        git.run("checkout", "-q", "main")
        with _as(clerk):
            git.run("merge", "-q", "--no-ff", "-m", f"合并：{item.title}", f"item/{item.id}", env=dated)
        git.run("branch", "-q", "-d", f"item/{item.id}")
        office.stats["merged"] += 1
        office.stats["commits"] += 5


def make(
    source: Repo, out: Path, items: int, seed: int, today: dt.date, progress: Callable[[int], None] | None = None, signed: int = 3
) -> Counter[str]:
    """Write a demo office with `items` items and full history into `out` (a new folder).

    The newest `signed` items are reviewed with signed commits (when ssh-keygen is there).
    """
    if out.exists() and any(out.iterdir()):
        raise SqmyError(f"{out} 已存在且不为空：请指定一个新的目录")
    reg, findings = registry_mod.load(source)
    if any(f.severity == "error" for f in findings):
        raise SqmyError(f"名册有错误，请先修正：{findings[0].text()}")
    out.mkdir(parents=True, exist_ok=True)
    git = Git.init(out)
    rng = random.Random(seed)
    bodies = list(_bodies(source)) or [FALLBACK_BODY]
    setup = {f"units/{p.name}": p.read_text("utf-8") for p in sorted((source.root / "units").glob("*.yml"))}
    # what an office needs besides its data: the item template, the archive's configuration and pages
    extras = [source.root / "mkdocs.yml", *sorted((source.root / "templates").rglob("*"))]
    for path in extras:
        if path.is_file():
            setup[path.relative_to(source.root).as_posix()] = path.read_text("utf-8")
    setup[".gitignore"] = ".venv/\n/site/\n/site-public/\n.sqmy/\n__pycache__/\n.sqmy-demo-keys/\n"
    with git.fast_import() as stream:
        writer = _Writer(stream)
        office = _Office(reg, rng, today, bodies, writer)
        founder = office.office(START)
        start = dt.datetime.combine(START, dt.time(8, 0), TZ)
        office.main = writer.commit("refs/heads/main", founder, start, "建立信息库：名册、规则和模板\n", 0, setup)
        span = (today - dt.timedelta(days=1) - START).days  # the newest are still under review
        signed = min(signed, items)
        spread = max(items - signed - 1, 1)
        for n in range(items - signed):
            office.submit(n, START + dt.timedelta(days=1 + n * span // spread))
            if progress and n % 100 == 99:
                progress(100)
        office.run()
    git.run("checkout", "-q", "-f", "main")
    merged = git.run("for-each-ref", "--merged", "main", "--format=delete %(refname)", "refs/heads/item/")
    git.run("update-ref", "--stdin", stdin=merged)  # merged branches are deleted, as after a merged pull request
    office.stats["commits"] += writer.commits
    _signed_items(office, out, git, signed, items - signed)
    return office.stats
