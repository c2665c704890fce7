"""Forwarding between offices: a county's approved report to the city as a signed bundle, and its receipt there.

A bundle is one zip file, so that it can travel by the forge, by email or on a
USB stick.  It holds exactly:

- `item.md`: the report's file as approved, byte for byte;
- `document.docx`: the 直报 document the office made of it;
- `manifest.json`: format, bundle id, resend sequence, origin and destination
  office, the report (id, title, digest, audience, the commit of its 审定), the
  approvals (stage, reviewer, date, decision, 查重结论), the 查重 result at
  forwarding, and the sha256 of the two files;
- `manifest.json.sig`: the manifest signed by the origin office with
  `ssh-keygen -Y sign -n sqmy-forward` (the office's key; its public half is in
  its units/network.yml and in the receiver's list of offices it trusts).

The bundle id is the sha256 of origin, report id, sequence and digest: the same
approved text forwarded twice is the same bundle.  The sequence is the number
of times the report has been approved (审定 通过): a resend after the report
was reopened and approved again has a higher one.

`receive` checks a bundle the way Debian's dscverify checks an upload, before
anything is written: only those four members, sizes bounded, the origin an
office the receiver lists in units/network.yml, the bundle addressed to the
receiver, the signature made by that office's key (`ssh-keygen -Y verify`
against an allowed-signers file made from the receiver's own registry, never
from the bundle), every checksum, the report's id and digest as the manifest
says, the bundle id bound to them.  A bundle received before is a no-op; an
older or equal sequence of a report already received is a replay and refused.
The report becomes an item of the receiver's own (its unit and liaison for
that office, as units/network.yml names them), with `forwarded_from` naming the
origin, committed by the office, to go through the receiver's review chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import load, schema, status, tools, yamlsrc
from . import registry as registry_mod
from .errors import Refused, SqmyError
from .findings import ERROR
from .frontmatter import FrontMatter
from .fsutil import write_bytes, write_text
from .gitio import Git
from .items import Item, content_digest
from .paths import Repo
from .protocol import FORWARDED_BUNDLE, commit_env
from .registry import Network, NotRegular, Peer, Person, Registry
from .upstream import read_regular
from .validate import Context

FORMAT = "sqmy-bundle/1"
NAMESPACE = "sqmy-forward"  # the signatures' namespace: a bundle's signature cannot pass for a commit's, nor the reverse
MEMBERS = ("manifest.json", "manifest.json.sig", "item.md", "document.docx")
LIMITS = {"manifest.json": 256 * 1024, "manifest.json.sig": 16 * 1024, "item.md": load.MAX_ITEM_BYTES, "document.docx": 16 * 1024 * 1024}
MAX_BUNDLE = 24 * 1024 * 1024
_STAMP = (2000, 1, 1, 0, 0, 0)  # every member's time in the zip: the same bundle is the same bytes


@dataclass(frozen=True)
class Forwarded:
    path: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Received:
    item: Item | None  # the receiver's item (None: nothing new)
    manifest: dict[str, Any]
    fresh: bool  # False: this bundle was received before
    commit: str = ""


def bundle_id(origin: str, item_id: str, sequence: int, digest: str) -> str:
    return hashlib.sha256(f"{FORMAT}\0{origin}\0{item_id}\0{sequence}\0{digest}".encode()).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def require_network(reg: Registry) -> Network:
    if reg.network is None:
        raise Refused("network", "没有 units/network.yml：请先登记本会编号、转送签名公钥和往来单位")
    return reg.network


def office_member(git: Git, reg: Registry, today: dt.date, what: str) -> Person:
    """The office member committing (the Git author), or refused."""
    return reg.office_member(git.author_email(), today, f"{what}由办公室人员办理")


# --- forwarding ----------------------------------------------------------------------------------


def public_key(key: Path) -> str:
    """The public half of the private key file `key` ("type base64")."""
    out = tools.run("ssh-keygen", ["ssh-keygen", "-y", "-f", str(key)], what=f"无法读取签名密钥 {key}")
    return " ".join(out.decode("utf-8", "replace").split()[:2])


def _approval_commit(git: Git, item: Item) -> str:
    """The commit that recorded the item's last 审定 通过 ("" for an imported approval)."""
    out = git.run("log", "-1", "--format=%H", "--all-match", f"--grep=Review-Item: {item.id}", "--grep=Review-Stage: 审定",
                  "--grep=Review-Decision: 通过", "--", item.path)
    return out.strip()


def forward(repo: Repo, item_id: str, to: str, key: Path, out_dir: Path, today: dt.date) -> Forwarded:
    """Write the bundle of an approved 直报 report for office `to`, signed with `key` (a private key file)."""
    from . import likeness  # noqa: PLC0415 - the 查重 result goes into the manifest
    from .docx import plan, reference  # noqa: PLC0415 - pandoc and the Word styles: only here

    reg = registry_mod.load_valid(repo)
    net = require_network(reg)
    peer = net.named(to)
    if not net.key:
        raise Refused("network", "units/network.yml 中没有本会的转送签名公钥（key）：接收方无法核对签名")
    with Git(repo.root) as git:
        person = office_member(git, reg, today, "转送")
        loaded = load.load_all(repo, today)
        item = next((i for i in loaded.items if i.id == item_id), None)
        if item is None:
            raise SqmyError(f"找不到编号为 {item_id} 的有效信息（运行 sqmy validate 查看有错误的文件）")
        st = status.derive(item, today)
        if status.APPROVED not in st.statuses:
            raise Refused("not-approved", f"{item_id} 尚未审定通过（当前：{st.status}），不能转送")
        if schema.DIRECT not in item.routes:
            raise Refused("routes", f"{item_id} 审定时没有选择“{schema.DIRECT}”渠道，不能转送上级")
        if not key.is_file():
            raise SqmyError(f"找不到签名密钥 {key}")
        if public_key(key) != " ".join(net.key.split()[:2]):
            raise Refused("wrong-key", f"签名密钥 {key} 与 units/network.yml 中本会的转送签名公钥不符")
        commit = _approval_commit(git, item)
    raw = load.read_item(repo.root / item.path, repo.root)
    finals = [r for r in item.reviews if r.stage == schema.FINAL and r.decision == schema.PASS]
    sequence = len(finals)
    corpus = likeness.build(repo, loaded.registry, loaded.items, today)
    similar_found = corpus.check(item.body, item.title, [item.id], evidence=False)
    document = plan.convert(plan.Planner(repo, loaded.registry, loaded.items, today).direct(item.id), reference.reference_doc(repo))
    unit = reg.units.get(item.unit)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "bundle": bundle_id(net.id, item.id, sequence, item.digest),
        "sequence": sequence,
        "created": today.isoformat(),
        "origin": {"id": net.id, "name": reg.office.short_name or reg.office.name, "repository": reg.office.repository_url or ""},
        "to": peer.id,
        "by": {"id": person.id, "name": person.name},
        "item": {
            "id": item.id, "title": item.title, "digest": item.digest, "audience": item.audience, "commit": commit,
            "submitted": item.submitted.isoformat() if item.submitted else None, "category": item.category, "focus": item.focus,
            "source": item.source, "authors": [reg.people[a].name if a in reg.people else a for a in item.authors],
            "unit": unit.name if unit else item.unit,
        },
        "approvals": [
            {"stage": r.stage, "by": r.by, "name": reg.people[r.by].name if r.by in reg.people else r.by, "date": r.date.isoformat(),
             "decision": r.decision, **({"duplicate": r.duplicate} if r.duplicate else {})}
            for r in item.reviews if r.digest == item.digest
        ],
        # what 查重 found at forwarding: verdicts and scores only (the titles of the office's internal reports stay home)
        "similar": {"duplicate": any(f.duplicate for f in similar_found),
                    "found": [{"source": f.source, "verdict": f.verdict, "score": f.score} for f in similar_found]},
        "files": {"item.md": _sha256(raw), "document.docx": _sha256(document)},
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    work = Path(tempfile.mkdtemp(prefix="sqmy-forward-"))
    try:
        (work / "manifest.json").write_bytes(manifest_bytes)
        tools.run("ssh-keygen", ["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(work / "manifest.json")],
                  what="签署转送包失败")
        signature = (work / "manifest.json.sig").read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("manifest.json", manifest_bytes), ("manifest.json.sig", signature), ("item.md", raw), ("document.docx", document)):
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    path = out_dir / f"{net.id}-{item.id}-{sequence}.zip"
    write_bytes(path, buffer.getvalue())
    return Forwarded(path, manifest)


# --- receiving -----------------------------------------------------------------------------------


def _refuse(why: str) -> Refused:
    return Refused("bundle", f"转送包未通过核验：{why}")


def _members(path: Path) -> tuple[dict[str, bytes], str]:
    """The four members of the bundle at `path`, each within its limit, and the sha256 of the file; anything else refused.
    The file is read once: what is verified is what is recorded."""
    try:
        raw = read_regular(path, MAX_BUNDLE)
    except NotRegular:
        raise _refuse(f"{path} 不是普通文件") from None
    except ValueError:
        raise _refuse(f"文件超过 {MAX_BUNDLE // 1024 // 1024} MB") from None
    except OSError as exc:
        raise SqmyError(f"无法读取转送包 {path}：{exc.strerror or exc}") from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            if sorted(names) != sorted(MEMBERS):
                raise _refuse(f"应当只含 {'、'.join(MEMBERS)}，实际为 {'、'.join(names[:10]) or '（空）'}")
            found = {}
            for info in infos:
                limit = LIMITS[info.filename]
                if info.file_size > limit:
                    raise _refuse(f"{info.filename} 超过 {limit // 1024} KB")
                with zf.open(info) as member:
                    data = member.read(limit + 1)
                if len(data) > limit:
                    raise _refuse(f"{info.filename} 超过 {limit // 1024} KB")
                found[info.filename] = data
            return found, _sha256(raw)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise _refuse(f"不是完好的转送包（zip）：{exc}") from None


def _verify(peer: Peer, manifest: bytes, signature: bytes) -> None:
    """The manifest was signed by `peer`'s key (from the receiver's registry), in sqmy's forwarding namespace."""
    work = Path(tempfile.mkdtemp(prefix="sqmy-receive-"))
    try:
        signers = work / "allowed_signers"
        signers.write_text(f'{peer.id} namespaces="{NAMESPACE}" {peer.key}\n', "utf-8")
        (work / "manifest.json.sig").write_bytes(signature)
        try:
            tools.run("ssh-keygen", ["ssh-keygen", "-Y", "verify", "-f", str(signers), "-I", peer.id, "-n", NAMESPACE,
                                     "-s", str(work / "manifest.json.sig")], stdin=manifest, what="签名核验失败")
        except SqmyError:
            raise _refuse(f"签名不是 {peer.name}（{peer.id}）在本会登记的公钥所签（或清单在签名后被改动）") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _refuse(f"清单 manifest.json 无法读取：{exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(f"清单格式不是 {FORMAT}")
    origin, item = manifest.get("origin"), manifest.get("item")
    if not isinstance(origin, dict) or not isinstance(item, dict) or not isinstance(manifest.get("files"), dict):
        raise _refuse("清单缺少 origin、item 或 files")
    if not isinstance(manifest.get("sequence"), int) or isinstance(manifest.get("sequence"), bool) or manifest["sequence"] < 1:
        raise _refuse("清单中的转送次序（sequence）无效")
    return manifest


def _origin_item(data: bytes, manifest: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The forwarded report's front matter, title and body; refused when they are not what the manifest says."""
    try:
        text = yamlsrc.decode(data)
    except UnicodeDecodeError:
        raise _refuse("item.md 不是 UTF-8 文本") from None
    split = yamlsrc.split_front_matter(text)
    doc = yamlsrc.load(split.front) if split.front is not None else None
    front = doc.data if doc is not None and not doc.errors else None
    if not isinstance(front, dict) or not isinstance(front.get("title"), str):
        raise _refuse("item.md 的元数据无法读取")
    wanted = manifest["item"]
    if front.get("id") != wanted.get("id"):
        raise _refuse(f"item.md 的编号 {front.get('id')} 与清单中的 {wanted.get('id')} 不符")
    if content_digest(front["title"], split.body) != wanted.get("digest"):
        raise _refuse("item.md 的标题和正文与清单中的摘要值不符")
    return front, front["title"], split.body


def receive(repo: Repo, bundle: Path, today: dt.date) -> Received:
    """Check `bundle` against this office's registry and add its report as an item of the office's own."""
    members, bundle_sha = _members(bundle)
    manifest = _manifest(members["manifest.json"])
    reg = registry_mod.load_valid(repo)
    net = require_network(reg)
    origin_id = str(manifest["origin"].get("id"))
    peer = net.offices.get(origin_id)
    if peer is None:
        raise _refuse(f"报来单位“{origin_id}”不是本会在 units/network.yml 中登记的往来单位")
    if manifest.get("to") != net.id:
        raise _refuse(f"这个转送包是报给“{manifest.get('to')}”的，本会编号为 {net.id}")
    _verify(peer, members["manifest.json"], members["manifest.json.sig"])  # from here on the manifest is the origin's word
    for name in ("item.md", "document.docx"):
        if manifest["files"].get(name) != _sha256(members[name]):
            raise _refuse(f"{name} 的校验值与清单不符（文件在传送中被改动）")
    front, title, body = _origin_item(members["item.md"], manifest)
    wanted = manifest["item"]
    sequence = int(manifest["sequence"])
    if manifest.get("bundle") != bundle_id(origin_id, str(wanted["id"]), sequence, str(wanted["digest"])):
        raise _refuse("转送包编号与报来单位、信息编号、次序和摘要值不符")
    if peer.unit is None or peer.author is None:
        raise Refused("network", f"units/network.yml 中没有为 {peer.name} 指定对应的单位（unit）和联络人（author），无法建立信息")
    loaded = load.load_all(repo, today)
    earlier = [i for i in loaded.items if i.forwarded_from and (i.forwarded_from.office, i.forwarded_from.item) == (origin_id, wanted["id"])]
    for item in earlier:
        if item.forwarded_from is not None and item.forwarded_from.bundle == manifest["bundle"]:
            return Received(item, manifest, fresh=False)
    if any(i.forwarded_from is not None and i.forwarded_from.sequence >= sequence for i in earlier):
        raise _refuse(f"本会已接收过这篇信息第 {max(i.forwarded_from.sequence for i in earlier if i.forwarded_from)} 次的转送，"
                      f"这个第 {sequence} 次的转送包是旧的或重放的")
    with Git(repo.root) as git:
        person = office_member(git, reg, today, "接收转送")
        path = _write(repo, reg, peer, manifest, front, title, body, bundle_sha, today, earlier)
        rel = path.relative_to(repo.root).as_posix()
        try:
            made, findings = load.check_item(Context(repo, reg, today), path)
            errors = [f for f in findings if f.severity == ERROR]
            if made is None or errors:
                raise SqmyError("生成的信息未通过检查：\n" + "\n".join(f.text() for f in errors))
            message = (f"接收转送：{title}\n\n{peer.name} {wanted['id']}（第 {sequence} 次转送）\n\n"
                       f"{FORWARDED_BUNDLE}: {manifest['bundle']}\nForwarded-From: {origin_id}/{wanted['id']}\nRecord-By: {person.id}\n")
            sha = git.commit_paths([rel], message, sign=reg.office.require_signatures, env=commit_env(today))
        except BaseException:
            if earlier:
                git.run("checkout", "--", rel)
            else:
                path.unlink(missing_ok=True)
            git.unstage(rel)
            raise
    return Received(made, manifest, fresh=True, commit=sha)


def _write(repo: Repo, reg: Registry, peer: Peer, manifest: dict[str, Any], front: dict[str, Any], title: str, body: str,
           sha: str, today: dt.date, earlier: list[Item]) -> Path:
    """The receiver's item: a new one, or (a resend) the earlier one not yet reviewed, rewritten."""
    from .intake.new import check_folders, new_id  # noqa: PLC0415

    wanted = manifest["item"]
    if earlier:
        target = earlier[0]
        if target.reviews:
            raise Refused("bundle", f"这篇信息的上一次转送已是本会的 {target.id}，并已开始审核：新的转送包请由办公室核对后处理")
        item_id, path = target.id, repo.root / target.path
    else:
        taken = {p.stem for p in load.item_files(repo)}
        item_id = new_id(peer.id, today, taken)
        path = repo.items_dir / str(today.year) / f"{item_id}.md"
        check_folders(repo, path.parent)  # never through a link
    category = front.get("category") if front.get("category") in reg.categories else ("其他" if "其他" in reg.categories else reg.categories[0])
    focus = front.get("focus") if front.get("focus") in reg.focuses else reg.focuses[0]
    audience = front.get("audience") if front.get("audience") in schema.AUDIENCES else schema.INTERNAL
    fm = FrontMatter("---\n---\n")
    forwarded = {
        "office": peer.id, "office_name": peer.name, "item": wanted["id"], "commit": str(wanted.get("commit") or ""),
        "bundle": manifest["bundle"], "sequence": int(manifest["sequence"]), "sha256": sha,
        "authors": [str(a) for a in wanted.get("authors") or []], "unit": str(wanted.get("unit") or ""),
    }
    for key, value in {
        "id": item_id, "title": title, "authors": [peer.author], "unit": peer.unit, "submitted": today.isoformat(),
        "category": category, "focus": focus, "source": "其他", "audience": audience, "forwarded_from": forwarded,
    }.items():
        fm.set(key, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, fm.text() + body.lstrip("\n"), exclusive=not earlier)
    return path
