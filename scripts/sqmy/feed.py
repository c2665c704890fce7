"""Status flowing back: the receiving office's update feed, and the origin recording what it says.

A receiving office (the city) publishes what became of the reports its
counties forwarded, as a feed (`sqmy feed`): `updates.json`, signed by the
office (`updates.json.sig`, `ssh-keygen -Y sign -n sqmy-updates`, the key of
its units/network.yml), into `feed/` of its repository, and its internal
archive publishes it at `feed/` when it verifies.  The feed is made from the
office's items each time, and is append-only: an update of the previous feed
(when that verifies against the office's own key: what a member may have
written into it is never signed) stays even if its record has gone since.
Each update has an id (sha256 of the office, the origin's report,
the kind and what distinguishes it), a date and a kind:

| kind | when | recorded at the origin as |
|---|---|---|
| received | the report became an item here | — (shown) |
| adopted | it is in this office's 《社情民意信息》 | adoption, this office's level, 单篇采用, ref: the issue |
| forwarded | this office reported it further (a `sent` 直报) | adoption, this office's level, 转报采用 |
| instructed | a leader's 批示 on it here | instruction (level, leader, date, summary) |
| transferred | this office transferred it to a department | — (shown) |
| feedback | a department's or a leader's follow-up answered | — (shown) |
| solved | a problem it raised was solved | — (shown) |
| not_adopted | this office's review ended in 不予上报 | — (shown) |
| duplicate | a reviewer here judged it 重复 | — (shown) |

`sqmy pull-updates FEED|DIR|URL` at the origin checks the feed's signature against
the key its own units/network.yml lists for that office (never against anything
in the feed), then records each update addressed to it as the outcome above, by
the office, once: the record carries the update's id (`update`), and an update
whose id is already recorded is skipped.  Kinds without an outcome of their
own are listed, not recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import load, outcomes, schema, status, tools
from . import registry as registry_mod
from .errors import Refused, SqmyError
from .fsutil import write_bytes
from .gitio import Git
from .items import Item
from .network import office_member, public_key, require_network
from .paths import Repo
from .registry import Peer, Registry

FORMAT = "sqmy-updates/1"
NAMESPACE = "sqmy-updates"
FILE = "updates.json"
FOLDER = Path("feed")  # in the office's repository, and on its internal archive
MAX_BYTES = 32 * 1024 * 1024
KINDS = ("received", "adopted", "forwarded", "instructed", "transferred", "feedback", "solved", "not_adopted", "duplicate")
KIND_NAMES = {"received": "已接收", "adopted": "已编发采用", "forwarded": "已转报上级", "instructed": "领导批示", "transferred": "已转办",
              "feedback": "已反馈", "solved": "推动解决", "not_adopted": "不予采用", "duplicate": "认定重复"}


def _update(office: str, item: Item, kind: str, day: dt.date, key: str, **fields: Any) -> dict[str, Any]:
    origin = item.forwarded_from
    assert origin is not None
    # by the origin's report, not by the bundle: a resend does not make the same outcome new again
    uid = hashlib.sha256(f"{FORMAT}\0{office}\0{origin.office}\0{origin.item}\0{kind}\0{key}".encode()).hexdigest()
    return {"id": uid, "date": day.isoformat(), "kind": kind, "origin": origin.office, "origin_item": origin.item,
            "bundle": origin.bundle, "item": item.id, **fields}


def updates(reg: Registry, items: list[Item], today: dt.date) -> list[dict[str, Any]]:
    """Every update of the reports forwarded to this office, oldest first."""
    office = require_network(reg).id
    title = reg.office.journal_title
    out = []
    for item in items:
        if item.forwarded_from is None:
            continue
        if item.submitted:
            out.append(_update(office, item, "received", item.submitted, ""))
        approved = status.approved_on(item, today)
        if item.journal is not None and approved is not None:
            out.append(_update(office, item, "adopted", approved, f"{item.journal.year}-{item.journal.issue}",
                               journal={"title": title, "year": item.journal.year, "issue": item.journal.issue}))
        for sent in item.sent:
            if sent.route == schema.DIRECT:
                out.append(_update(office, item, "forwarded", sent.date, f"{sent.to}|{sent.date}", to=sent.to))
        for n in item.instructions:
            out.append(_update(office, item, "instructed", n.date, f"{n.level}|{n.leader}|{n.date}", level=n.level, leader=n.leader,
                               summary=n.summary))
            if n.feedback is not None:
                out.append(_update(office, item, "feedback", n.feedback.date, f"instruction|{n.level}|{n.date}", result=n.feedback.result))
        for t in item.transfers:
            unit = reg.units.get(t.to)
            out.append(_update(office, item, "transferred", t.date, t.letter or f"{t.to}|{t.date}", to=unit.name if unit else t.to))
            if t.feedback is not None:
                out.append(_update(office, item, "feedback", t.feedback.date, f"transfer|{t.letter or t.to}", result=t.feedback.result))
        for s in item.solved:
            out.append(_update(office, item, "solved", s.date, f"{s.date}|{s.summary}", summary=s.summary))
        for r in item.reviews:
            if r.decision == schema.REJECT:
                out.append(_update(office, item, "not_adopted", r.date, f"{r.stage}|{r.date}"))
            if r.duplicate == schema.IS_DUPLICATE:
                out.append(_update(office, item, "duplicate", r.date, f"{r.stage}|{r.date}"))
    return sorted(out, key=lambda u: (u["date"], u["id"]))


def _own(reg: Registry) -> Peer:
    net = require_network(reg)
    return Peer(net.id, reg.office.short_name or reg.office.name, net.key or "")


def _previous(reg: Registry, out_dir: Path) -> list[dict[str, Any]]:
    """The updates of the feed already in `out_dir`, if this office signed it (else none: nothing unsigned is kept)."""
    if not (out_dir / FILE).is_file():
        return []
    try:
        data, signature = _read(out_dir)
        _verify(_own(reg), data, signature)
        feed = json.loads(data.decode("utf-8"))
    except (SqmyError, UnicodeDecodeError, ValueError, RecursionError):
        return []
    if not isinstance(feed, dict) or feed.get("format") != FORMAT or (feed.get("office") or {}).get("id") != require_network(reg).id:
        return []
    return [u for u in feed.get("updates") or [] if isinstance(u, dict) and isinstance(u.get("id"), str)]


def write(repo: Repo, key: Path | None, out_dir: Path, today: dt.date) -> tuple[Path, int]:
    """Write the feed (and its signature, with `key`) into `out_dir`; (its path, how many updates). Updates of the
    signed feed already there are kept (the feed only grows)."""
    loaded = load.load_all(repo, today)
    reg = loaded.registry
    net = require_network(reg)
    found = updates(reg, loaded.items, today)
    now = {u["id"] for u in found}
    found = sorted(found + [u for u in _previous(reg, out_dir) if u["id"] not in now], key=lambda u: (str(u.get("date")), u["id"]))
    feed = {"format": FORMAT, "office": {"id": net.id, "name": reg.office.short_name or reg.office.name}, "updates": found}
    data = (json.dumps(feed, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    path = out_dir / FILE
    write_bytes(path, data)
    if key is not None:
        if not net.key or public_key(key) != " ".join(net.key.split()[:2]):
            raise Refused("wrong-key", f"签名密钥 {key} 与 units/network.yml 中本会的签名公钥不符")
        signature = path.with_name(FILE + ".sig")
        signature.unlink(missing_ok=True)
        tools.run("ssh-keygen", ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(path)], what="签署更新失败")
    return path, len(found)


def published(repo: Repo, reg: Registry, items: list[Item], today: dt.date) -> tuple[bytes, bytes, int] | None:
    """The feed in the office's `feed/` as the internal archive publishes it: (feed, signature, how many updates the
    records have that it lacks), or None when the office publishes none. A feed that does not verify against the
    office's own key is refused (Refused)."""
    net = reg.network
    folder = repo.root / FOLDER
    if net is None or not (folder / FILE).exists():
        return None
    data, signature = _read(folder)
    _verify(_own(reg), data, signature)
    try:
        listed = {u.get("id") for u in json.loads(data.decode("utf-8")).get("updates") or [] if isinstance(u, dict)}
    except (UnicodeDecodeError, ValueError, RecursionError, AttributeError) as exc:
        raise Refused("feed", f"{FOLDER / FILE} 无法读取：{exc}") from None
    return data, signature, sum(1 for u in updates(reg, items, today) if u["id"] not in listed)


# --- at the origin ---------------------------------------------------------------------------------


@dataclass
class Pulled:
    office: str
    recorded: list[tuple[str, str, str]] = field(default_factory=list)  # (item, kind, commit)
    known: int = 0  # updates recorded before
    shown: list[tuple[str, str, str]] = field(default_factory=list)  # (item, kind, date): kinds with no outcome here
    missing: list[str] = field(default_factory=list)  # items the feed names that this office does not have
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (item, kind, why)


def _download(url: str) -> bytes:
    import urllib.error  # noqa: PLC0415 - only a feed given by its address is downloaded
    import urllib.request  # noqa: PLC0415

    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # http(s) only: the caller checked the scheme
            data: bytes = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Refused("feed", f"无法下载 {url}：{getattr(exc, 'reason', exc)}") from None
    if len(data) > MAX_BYTES:
        raise Refused("feed", f"{url} 太大")
    return data


def _read(source: Path | str) -> tuple[bytes, bytes]:
    """The feed and its signature, from a file, a folder or an http(s) address (its signature beside it)."""
    text = str(source)
    if text.startswith(("https://", "http://")):
        url = text + FILE if text.endswith("/") else text
        return _download(url), _download(url + ".sig")
    source = Path(source)
    path = source / FILE if source.is_dir() else source
    signature = path.with_name(path.name + ".sig")
    for file in (path, signature):
        if not file.is_file() or file.is_symlink():
            raise Refused("feed", f"找不到 {file}（更新和它的签名 {FILE}.sig 应放在一起）")
        if file.stat().st_size > MAX_BYTES:
            raise Refused("feed", f"{file} 太大")
    return path.read_bytes(), signature.read_bytes()


def _verify(peer: Peer, data: bytes, signature: bytes) -> None:
    work = Path(tempfile.mkdtemp(prefix="sqmy-updates-"))
    try:
        (work / "allowed_signers").write_text(f'{peer.id} namespaces="{NAMESPACE}" {peer.key}\n', "utf-8")
        (work / "sig").write_bytes(signature)
        try:
            tools.run("ssh-keygen", ["ssh-keygen", "-Y", "verify", "-f", str(work / "allowed_signers"), "-I", peer.id, "-n", NAMESPACE,
                                     "-s", str(work / "sig")], stdin=data, what="签名核验失败")
        except SqmyError:
            raise Refused("feed", f"更新未通过核验：签名不是 {peer.name}（{peer.id}）在本会登记的公钥所签（或更新在签名后被改动）") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _recorded(item: Item) -> set[str]:
    return {a.update for a in item.adoptions if a.update} | {n.update for n in item.instructions if n.update}


def pull(repo: Repo, source: Path | str, today: dt.date) -> Pulled:
    """Record what the feed at `source` says of this office's forwarded reports."""
    data, signature = _read(source)
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refused("feed", f"更新无法读取：{exc}") from None
    if not isinstance(feed, dict) or feed.get("format") != FORMAT or not isinstance(feed.get("updates"), list):
        raise Refused("feed", f"更新的格式不是 {FORMAT}")
    reg = registry_mod.load_valid(repo)
    net = require_network(reg)
    office_id = str((feed.get("office") or {}).get("id") if isinstance(feed.get("office"), dict) else "")
    peer = net.offices.get(office_id)
    if peer is None:
        raise Refused("feed", f"发布更新的单位“{office_id}”不是本会在 units/network.yml 中登记的往来单位")
    _verify(peer, data, signature)
    with Git(repo.root) as git:
        office_member(git, reg, today, "拉取上级的更新")
    result = Pulled(peer.name)
    loaded = load.load_all(repo, today)
    mine = {i.id: i for i in loaded.items}
    for update in feed["updates"]:
        if not isinstance(update, dict) or update.get("origin") != net.id:
            continue  # another county's
        item = mine.get(str(update.get("origin_item")))
        if item is None:
            result.missing.append(str(update.get("origin_item")))
            continue
        kind, uid = update.get("kind"), str(update.get("id"))
        if uid in _recorded(item):
            result.known += 1
            continue
        values = _values(peer, update)
        if values is None:
            result.shown.append((item.id, str(kind), str(update.get("date"))))
            continue
        record_kind, fields = values
        try:
            done = outcomes.record(repo, item.id, record_kind, {**fields, "update": uid}, today)
        except Refused as exc:
            result.refused.append((item.id, str(kind), exc.message))
            continue
        mine[item.id] = done.items[0]
        result.recorded.append((item.id, str(kind), done.sha))
    return result


def _values(peer: Peer, update: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The outcome an update is recorded as here (kind of `sqmy record`, its values); None for kinds only shown."""
    kind, day = update.get("kind"), update.get("date")
    if kind in ("adopted", "forwarded"):
        if peer.level is None:
            raise Refused("network", f"units/network.yml 中没有写明 {peer.name} 的层级（level），无法记录采用")
        if kind == "adopted":
            journal = update.get("journal") or {}
            ref = f"《{journal.get('title', '社情民意信息')}》{journal.get('year')}年第{journal.get('issue')}期"
            return "adoption", {"level": peer.level, "date": day, "ref": ref, "mode": "单篇采用"}
        return "adoption", {"level": peer.level, "date": day, "ref": f"转报{update.get('to') or ''}", "mode": "转报采用"}
    if kind == "instructed":
        return "instruction", {"level": update.get("level"), "leader": update.get("leader"), "date": day,
                               "summary": update.get("summary") or "（见上级的批示）"}
    return None
