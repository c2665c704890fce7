"""Forwarding between offices (sqmy forward / sqmy receive), with two real offices made by `sqmy init`: a county and its city.

Each office is its own Git repository with its own registry; the bundle is a
file carried from one to the other.  The city accepts what verifies against
the keys its own units/network.yml lists, and nothing else.
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import logging
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from sqmy.cli import main

from .conftest import TODAY

YEAR = TODAY[:4]
COUNTY = {"li-ming": ("李明", "li.ming@county.example", "办公室"), "zhao-gang": ("赵刚", "zhao.gang@county.example", "初审"),
          "qian-hong": ("钱红", "qian.hong@county.example", "复审"), "sun-li": ("孙立", "sun.li@county.example", "审定")}
CITY = {"zhou-jing": ("周静", "zhou.jing@city.example", "办公室"), "wu-tao": ("吴涛", "wu.tao@city.example", "初审"),
        "zheng-bo": ("郑博", "zheng.bo@city.example", "复审"), "feng-yu": ("冯雨", "feng.yu@city.example", "审定")}
BODY = ("城关镇农贸市场周边每逢集日车辆乱停乱放，早晚高峰拥堵严重，群众出行不便，存在交通安全隐患。\n\n"
        "## 意见建议\n\n建议县交通运输局会同公安交警部门划定临时停车区域，错峰管理，加强巡查。\n")


def answers(county: str, people: dict[str, tuple[str, str, str]]) -> str:
    lines = [f"county: {county}", f"year: {YEAR}", "sqmy_package: sqmy @ git+https://example.org/sqmy.git@v0.1.0", "people:"]
    lines += [f"  {role}: {{id: {pid}, name: {name}, email: {email}}}" for pid, (name, email, role) in people.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Office:
    root: Path
    people: dict[str, tuple[str, str, str]]

    @contextmanager
    def acting(self, person: str) -> Iterator[None]:
        name, email, _ = self.people[person]
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(self.root)
            for who in ("AUTHOR", "COMMITTER"):
                mp.setenv(f"GIT_{who}_NAME", name)
                mp.setenv(f"GIT_{who}_EMAIL", email)
            yield

    def sqmy(self, person: str, *args: str) -> Result:
        with self.acting(person):
            return CliRunner().invoke(main, list(args), catch_exceptions=False)

    def ok(self, person: str, *args: str) -> Result:
        result = self.sqmy(person, *args)
        assert result.exit_code == 0, result.output
        return result

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=True).stdout

    def commit(self, person: str, message: str, *paths: str) -> None:
        with self.acting(person):
            self.git("add", *(paths or ("-A",)))
            self.git("commit", "-q", "-m", message)

    def items(self) -> list[Path]:
        return sorted((self.root / "items").rglob("*.md"))


def keypair(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)
    return " ".join(path.with_name(path.name + ".pub").read_text("utf-8").split()[:2])


@pytest.fixture
def offices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Office, Office, dict[str, Path]]:
    """商南县政协 and 商洛市政协, each made by `sqmy init`, each knowing the other's forwarding key."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")
    made = []
    for name, people in (("商南县", COUNTY), ("商洛市", CITY)):
        (tmp_path / f"{name}.yml").write_text(answers(name, people), "utf-8")
        result = CliRunner().invoke(main, ["init", str(tmp_path / name), "--answers", str(tmp_path / f"{name}.yml")], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        made.append(Office(tmp_path / name, people))
    county, city = made
    keys = {name: tmp_path / "keys" / name for name in ("county", "city", "stranger")}
    keys["county"].parent.mkdir()
    public = {name: keypair(path) for name, path in keys.items()}
    units = city.root / "units" / "units.yml"  # the county is a unit of the city's registry: its reports are filed under it
    units.write_text(units.read_text("utf-8") + "- {id: shangnan-zhengxie, name: 商南县政协, kind: 参加单位}\n", "utf-8")
    unit = "shangnan-zhengxie"
    (county.root / "units" / "network.yml").write_text(
        f"id: shangnan-xian\nkey: {public['county']}\noffices:\n  - {{id: shangluo-shi, name: 商洛市政协, key: {public['city']}, level: 市政协}}\n", "utf-8")
    (city.root / "units" / "network.yml").write_text(
        f"id: shangluo-shi\nkey: {public['city']}\noffices:\n"
        f"  - {{id: shangnan-xian, name: 商南县政协, key: {public['county']}, unit: {unit}, author: zhou-jing}}\n", "utf-8")
    county.commit("li-ming", "登记上下级政协的转送公钥", "units/network.yml")
    city.commit("zhou-jing", "登记上下级政协的转送公钥", "units/network.yml", "units/units.yml")
    return county, city, keys


def approved_report(county: Office, title: str = "关于整治农贸市场周边交通秩序的建议") -> str:
    made = county.ok("li-ming", "new", "--title", title, "--author", "li-ming", "--category", "公共安全", "--focus", "民之关切",
                     "--source", "委员调研")
    path = county.root / made.stdout.strip()
    head = path.read_text("utf-8").rsplit("---\n", 1)[0]
    path.write_text(head + "---\n" + BODY, "utf-8")
    county.commit("li-ming", f"新信息：{title}")
    item = path.stem
    county.ok("zhao-gang", "review", item, "初审", "通过")
    county.ok("qian-hong", "review", item, "复审", "通过")
    county.ok("sun-li", "review", item, "审定", "通过", "--route", "直报")
    return item


def forward(county: Office, item: str, key: Path, out: Path) -> Path:
    done = county.ok("li-ming", "forward", item, "--to", "商洛市政协", "--key", str(key), "-o", str(out), "--format", "json")
    return Path(json.loads(done.stdout)["path"])


def rewrite(bundle: Path, target: Path, **members: bytes) -> Path:
    """`bundle` with some members replaced: what an attacker in transit can make."""
    with zipfile.ZipFile(bundle) as zf:
        data = {name: zf.read(name) for name in zf.namelist()}
    data.update(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)
    target.write_bytes(buffer.getvalue())
    return target


def test_a_report_forwarded_verifies_becomes_the_citys_own_and_is_received_once(offices: tuple[Office, Office, dict[str, Path]],
                                                                                tmp_path: Path) -> None:
    county, city, keys = offices
    item = approved_report(county)
    bundle = forward(county, item, keys["county"], tmp_path / "out")
    assert bundle.name == f"shangnan-xian-{item}-1.zip"
    with zipfile.ZipFile(bundle) as zf:
        assert sorted(zf.namelist()) == ["document.docx", "item.md", "manifest.json", "manifest.json.sig"]
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("item.md") == county.root.joinpath("items", YEAR, f"{item}.md").read_bytes()  # the file unchanged
        assert zf.read("document.docx").startswith(b"PK")
    assert manifest["origin"]["id"] == "shangnan-xian"
    assert manifest["to"] == "shangluo-shi"
    assert manifest["sequence"] == 1
    assert [a["stage"] for a in manifest["approvals"]] == ["初审", "复审", "审定"]
    assert manifest["item"]["commit"] == county.git("log", "-1", "--format=%H").strip()  # the commit of its 审定
    again = forward(county, item, keys["county"], tmp_path / "again")
    assert json.loads(zipfile.ZipFile(again).read("manifest.json"))["bundle"] == manifest["bundle"]  # the same text: the same bundle

    received = city.ok("zhou-jing", "receive", str(bundle))
    assert "待本会初审" in received.stdout
    [path] = city.items()
    text = path.read_text("utf-8")
    front = yaml.safe_load(text.split("---\n", 2)[1])
    assert (front["title"], front["authors"], front["unit"], front["audience"]) == ("关于整治农贸市场周边交通秩序的建议", ["zhou-jing"],
                                                                                "shangnan-zhengxie", "内部")
    origin = front["forwarded_from"]
    assert (origin["office"], origin["item"], origin["bundle"], origin["sequence"]) == ("shangnan-xian", item, manifest["bundle"], 1)
    assert origin["commit"] == manifest["item"]["commit"]
    assert origin["authors"] == ["李明"]
    assert text.endswith(BODY)
    assert city.git("log", "-1", "--format=%an").strip() == "周静"
    assert f"Forwarded-Bundle: {manifest['bundle']}" in city.git("log", "-1", "--format=%B")
    assert city.sqmy("zhou-jing", "validate").exit_code == 0
    assert city.sqmy("zhou-jing", "audit").exit_code == 0
    # received twice: a no-op
    twice = city.ok("zhou-jing", "receive", str(again))
    assert "已接收过" in twice.stdout
    assert len(city.items()) == 1
    # the city's own review chain: its liaison is the author, its reviewers review
    received_id = path.stem
    city.ok("wu-tao", "review", received_id, "初审", "通过")
    city.ok("zheng-bo", "review", received_id, "复审", "通过")
    city.ok("feng-yu", "review", received_id, "审定", "通过", "--route", "直报")
    assert city.sqmy("zhou-jing", "audit").exit_code == 0
    status = json.loads(city.ok("zhou-jing", "status", received_id, "--format", "json").stdout)
    assert "已审定" in status["statuses"]


def test_what_does_not_verify_is_refused_and_nothing_is_written(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    county, city, keys = offices
    item = approved_report(county)
    bundle = forward(county, item, keys["county"], tmp_path / "out")
    with zipfile.ZipFile(bundle) as zf:
        manifest, signature, original = zf.read("manifest.json"), zf.read("manifest.json.sig"), zf.read("item.md")
    head = city.git("rev-parse", "HEAD")
    bad = tmp_path / "bad"
    bad.mkdir()
    # the text altered in transit
    altered = rewrite(bundle, bad / "altered.zip", **{"item.md": original.replace("错峰管理".encode(), "一律禁行".encode())})
    # the manifest altered to match: the signature no longer holds
    changed = json.loads(manifest)
    changed["files"]["item.md"] = __import__("hashlib").sha256(original.replace("错峰管理".encode(), "一律禁行".encode())).hexdigest()
    remanifest = rewrite(altered, bad / "remanifest.zip", **{"manifest.json": json.dumps(changed, ensure_ascii=False).encode()})
    # signed by a key the city does not list for the county
    (bad / "manifest.json").write_bytes(manifest)
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys["stranger"]), "-n", "sqmy-forward", str(bad / "manifest.json")], check=True)
    stranger = rewrite(bundle, bad / "stranger.zip", **{"manifest.json.sig": (bad / "manifest.json.sig").read_bytes()})
    # signed by the county's key, but for git commits (another namespace)
    (bad / "manifest.json.sig").unlink()
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys["county"]), "-n", "git", str(bad / "manifest.json")], check=True)
    namespace = rewrite(bundle, bad / "namespace.zip", **{"manifest.json.sig": (bad / "manifest.json.sig").read_bytes()})
    # a member more, and not a zip at all
    extra = rewrite(bundle, bad / "extra.zip", **{"../../units/people.yml": b"pwned"})
    (bad / "junk.zip").write_bytes(b"not a zip" * 10)
    cases = {
        altered: "item.md 的校验值与清单不符", remanifest: "签名不是 商南县政协（shangnan-xian）", stranger: "签名不是 商南县政协",
        namespace: "签名不是 商南县政协", extra: "应当只含", bad / "junk.zip": "不是完好的转送包",
    }
    for path, why in cases.items():
        result = city.sqmy("zhou-jing", "receive", str(path))
        assert result.exit_code == 1, (path.name, result.output)
        assert "转送包未通过核验" in result.stderr, (path.name, result.stderr)
        assert why in result.stderr, (path.name, result.stderr)
    assert city.items() == []
    assert city.git("rev-parse", "HEAD") == head
    assert city.git("status", "--porcelain") == ""
    assert signature  # (the original signature, unused above, is what verified in the other test)


def test_an_unknown_office_or_another_address_is_refused(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    county, city, keys = offices
    item = approved_report(county)
    bundle = forward(county, item, keys["county"], tmp_path / "out")
    # the city forgets the county: nothing it sends is accepted
    network = city.root / "units" / "network.yml"
    kept = network.read_text("utf-8")
    network.write_text(kept.replace("id: shangnan-xian", "id: other-xian"), "utf-8")
    result = city.sqmy("zhou-jing", "receive", str(bundle))
    assert result.exit_code == 1
    assert "不是本会在 units/network.yml 中登记的往来单位" in result.stderr
    network.write_text(kept.replace("id: shangluo-shi", "id: danfeng-xian"), "utf-8")
    result = city.sqmy("zhou-jing", "receive", str(bundle))
    assert "这个转送包是报给“shangluo-shi”的" in result.stderr
    assert city.items() == []


def test_forwarding_needs_an_approved_direct_report_and_the_offices_key(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    county, _, keys = offices
    item = approved_report(county)
    wrong = county.sqmy("li-ming", "forward", item, "--to", "商洛市政协", "--key", str(keys["stranger"]), "-o", str(tmp_path))
    assert wrong.exit_code == 1
    assert "与 units/network.yml 中本会的转送签名公钥不符" in wrong.stderr
    nobody = county.sqmy("zhao-gang", "forward", item, "--to", "商洛市政协", "--key", str(keys["county"]), "-o", str(tmp_path))
    assert nobody.exit_code == 1
    assert "没有“办公室”角色" in nobody.stderr
    unknown = county.sqmy("li-ming", "forward", item, "--to", "省政协", "--key", str(keys["county"]), "-o", str(tmp_path))
    assert "不是 units/network.yml 中登记的往来单位" in unknown.stderr
    pending = county.ok("li-ming", "new", "--title", "关于另一件事的建议", "--author", "li-ming", "--category", "公共安全",
                        "--focus", "民之关切", "--source", "委员调研")
    refused = county.sqmy("li-ming", "forward", Path(pending.stdout.strip()).stem, "--to", "商洛市政协", "--key", str(keys["county"]))
    assert refused.exit_code == 1
    assert "尚未审定通过" in refused.stderr
    assert not list(tmp_path.glob("*.zip"))


def test_a_resend_after_approval_again_replaces_the_unreviewed_copy_and_the_old_bundle_is_a_replay(
    offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path,
) -> None:
    county, city, keys = offices
    item = approved_report(county)
    first = forward(county, item, keys["county"], tmp_path / "first")
    city.ok("zhou-jing", "receive", str(first))
    # the county reopens it, corrects it, approves it again, forwards again: the second sequence
    county.ok("li-ming", "reopen", item, "--reason", "审定后发现错字")
    path = county.root / "items" / YEAR / f"{item}.md"
    path.write_text(path.read_text("utf-8").replace("早晚高峰", "早晚上下班高峰"), "utf-8")
    county.commit("li-ming", "改正错字")
    county.ok("zhao-gang", "review", item, "初审", "通过")
    county.ok("qian-hong", "review", item, "复审", "通过")
    county.ok("sun-li", "review", item, "审定", "通过", "--route", "直报")
    second = forward(county, item, keys["county"], tmp_path / "second")
    assert second.name.endswith("-2.zip")
    city.ok("zhou-jing", "receive", str(second))
    [received] = city.items()
    assert yaml.safe_load(received.read_text("utf-8").split("---\n", 2)[1])["forwarded_from"]["sequence"] == 2
    assert "sequence: 2" in received.read_text("utf-8")
    replay = city.sqmy("zhou-jing", "receive", str(first))
    assert replay.exit_code == 1
    assert "旧的或重放的" in replay.stderr
    assert shutil.which("ssh-keygen")


def test_the_audit_knows_a_provenance_written_by_hand(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    county, city, keys = offices
    item = approved_report(county)
    city.ok("zhou-jing", "receive", str(forward(county, item, keys["county"], tmp_path / "out")))
    assert city.sqmy("zhou-jing", "audit").exit_code == 0
    [path] = city.items()
    path.write_text(path.read_text("utf-8").replace("office_name: 商南县政协", "office_name: 别的县政协"), "utf-8")
    city.commit("zhou-jing", "改一下来源")
    audited = json.loads(city.sqmy("zhou-jing", "audit", "--format", "json").stdout)
    assert {f["rule"] for f in audited} == {"forwarded-changed"}


def test_what_the_city_did_flows_back_to_the_county(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    """forward → receive → the city's review chain and journal, a leader's 批示, a report to the province → the city's
    signed feed → the county records the adoptions and the 批示, once, and its statistics show them."""
    county, city, keys = offices
    item = approved_report(county)
    city.ok("zhou-jing", "receive", str(forward(county, item, keys["county"], tmp_path / "out")))
    [received] = city.items()
    ours = received.stem
    city.ok("wu-tao", "review", ours, "初审", "通过")
    city.ok("zheng-bo", "review", ours, "复审", "通过")
    city.ok("feng-yu", "review", ours, "审定", "通过", "--route", "直报")
    city.ok("zhou-jing", "journal", "new", ours)
    city.ok("zhou-jing", "record", ours, "instruction", "--level", "市委", "--leader", "主要领导", "--date", TODAY, "--summary", "请市交通局研究落实")
    city.ok("zhou-jing", "record", ours, "sent", "--route", "直报", "--to", "省政协")
    published = city.ok("zhou-jing", "feed", "--key", str(keys["city"]), "-o", str(tmp_path / "feed"))
    assert "updates.json" in published.stdout
    feed = json.loads((tmp_path / "feed" / "updates.json").read_text("utf-8"))
    assert sorted(u["kind"] for u in feed["updates"]) == ["adopted", "forwarded", "instructed", "received"]
    assert [u["date"] for u in feed["updates"]] == sorted(u["date"] for u in feed["updates"])
    assert {u["origin_item"] for u in feed["updates"]} == {item}

    pulled = json.loads(county.ok("li-ming", "pull-updates", str(tmp_path / "feed"), "--format", "json").stdout)
    assert sorted(r["kind"] for r in pulled["recorded"]) == ["adopted", "forwarded", "instructed"]
    assert [s["kind"] for s in pulled["shown"]] == ["received"]
    front = yaml.safe_load(county.root.joinpath("items", YEAR, f"{item}.md").read_text("utf-8").split("---\n", 2)[1])
    assert sorted((a["level"], a["mode"], a["ref"]) for a in front["adoptions"]) == [
        ("市政协", "单篇采用", f"《社情民意信息》{YEAR}年第1期"), ("市政协", "转报采用", "转报省政协")]
    assert [(n["level"], n["leader"], n["summary"]) for n in front["instructions"]] == [("市委", "主要领导", "请市交通局研究落实")]
    assert all(len(r["update"]) == 64 for r in [*front["adoptions"], *front["instructions"]])
    stats = json.loads(county.ok("li-ming", "stats", "--year", YEAR, "--format", "json").stdout)
    assert stats["adopted"]["市政协"] == 1
    assert "已批示" in json.loads(county.ok("li-ming", "status", item, "--format", "json").stdout)["statuses"]
    assert county.sqmy("li-ming", "audit").exit_code == 0
    # pulled again, from the file, and from the address the city publishes it at: nothing new
    again = json.loads(county.ok("li-ming", "pull-updates", str(tmp_path / "feed" / "updates.json"), "--format", "json").stdout)
    assert (again["recorded"], again["known"]) == ([], 3)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "feed"))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        online = json.loads(county.ok("li-ming", "pull-updates", url, "--format", "json").stdout)
        assert (online["recorded"], online["known"]) == ([], 3)
        missing = county.sqmy("li-ming", "pull-updates", url + "nothing.json")
        server.shutdown()
    assert missing.exit_code == 1
    assert "无法下载" in missing.stderr

    # a feed altered, or signed by another key, is refused before anything is recorded
    head = county.git("rev-parse", "HEAD")
    altered = tmp_path / "altered"
    shutil.copytree(tmp_path / "feed", altered)
    text = (altered / "updates.json").read_text("utf-8")
    (altered / "updates.json").write_text(text.replace("请市交通局研究落实", "同意"), "utf-8")
    refused = county.sqmy("li-ming", "pull-updates", str(altered))
    assert refused.exit_code == 1
    assert "签名不是 商洛市政协" in refused.stderr
    (altered / "updates.json").write_text(text, "utf-8")
    (altered / "updates.json.sig").unlink()
    subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys["stranger"]), "-n", "sqmy-updates", str(altered / "updates.json")], check=True)
    assert "签名不是 商洛市政协" in county.sqmy("li-ming", "pull-updates", str(altered)).stderr
    assert county.git("rev-parse", "HEAD") == head


def test_the_feed_lives_in_the_repository_only_grows_and_the_internal_archive_publishes_it(
    offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """`sqmy feed` writes feed/ in the office's repository; an update signed before stays when its record has gone,
    an update a member wrote into the file is never signed; the internal archive publishes the verified feed at
    feed/ (warning when records are newer than it), the public one never, and a forged one is not published."""
    county, city, keys = offices
    item = approved_report(county)
    city.ok("zhou-jing", "receive", str(forward(county, item, keys["county"], tmp_path / "out")))
    [received] = city.items()
    city.ok("zhou-jing", "feed", "--key", str(keys["city"]))
    feed = city.root / "feed"
    first = json.loads((feed / "updates.json").read_text("utf-8"))["updates"]
    assert [u["kind"] for u in first] == ["received"]

    planted = {**first[0], "id": "f" * 64, "kind": "adopted", "journal": {"title": "社情民意信息", "year": 2025, "issue": 9}}
    text = (feed / "updates.json").read_text("utf-8")
    (feed / "updates.json").write_text(text.replace('"updates": [', '"updates": [' + json.dumps(planted, ensure_ascii=False) + ",", 1), "utf-8")
    city.ok("zhou-jing", "feed", "--key", str(keys["city"]))
    assert json.loads((feed / "updates.json").read_text("utf-8"))["updates"] == first  # the unsigned update is gone

    received.unlink()  # its record gone (as a report withdrawn): what was published stays
    city.ok("zhou-jing", "feed", "--key", str(keys["city"]))
    assert json.loads((feed / "updates.json").read_text("utf-8"))["updates"] == first
    city.git("checkout", "--", str(received))

    city.ok("wu-tao", "review", received.stem, "初审", "不予上报", "--comment", "不属于本级职责")  # newer than the feed
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.sqmy"):
        for audience in ("internal", "public"):
            city.ok("zhou-jing", "build", "--audience", audience)
    site = city.root / "site" / "feed"
    assert (site / "updates.json").read_bytes() == (feed / "updates.json").read_bytes()
    assert (site / "updates.json.sig").read_bytes() == (feed / "updates.json.sig").read_bytes()
    assert not (city.root / "site-public" / "feed").exists()
    assert any("缺少 1 条办理情况" in r.getMessage() for r in caplog.records)
    pulled = json.loads(county.ok("li-ming", "pull-updates", str(site), "--format", "json").stdout)
    assert [s["kind"] for s in pulled["shown"]] == ["received"]

    (feed / "updates.json").write_text(text.replace('"received"', '"adopted"'), "utf-8")  # forged after signing
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.sqmy"):
        city.ok("zhou-jing", "build", "--audience", "internal")
    assert not site.exists()
    assert any("未发布" in r.getMessage() and "签名不是" in r.getMessage() for r in caplog.records)


DANFENG = {"ma-lin": ("马琳", "ma.lin@danfeng.example", "办公室"), "he-jun": ("何军", "he.jun@danfeng.example", "初审"),
           "lu-yan": ("陆燕", "lu.yan@danfeng.example", "复审"), "shi-wei": ("石伟", "shi.wei@danfeng.example", "审定")}


def test_two_counties_and_their_city(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    """Two counties forward to one city; the city's one feed carries both; each county records only its own report's updates."""
    shangnan, city, keys = offices
    (tmp_path / "丹凤县.yml").write_text(answers("丹凤县", DANFENG), "utf-8")
    made = CliRunner().invoke(main, ["init", str(tmp_path / "丹凤县"), "--answers", str(tmp_path / "丹凤县.yml")], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    danfeng = Office(tmp_path / "丹凤县", DANFENG)
    public = keypair(tmp_path / "keys" / "danfeng")
    city_key = " ".join((keys["city"].with_name("city.pub")).read_text("utf-8").split()[:2])
    (danfeng.root / "units" / "network.yml").write_text(
        f"id: danfeng-xian\nkey: {public}\noffices:\n  - {{id: shangluo-shi, name: 商洛市政协, key: {city_key}, level: 市政协}}\n", "utf-8")
    danfeng.commit("ma-lin", "登记上下级政协的转送公钥", "units/network.yml")
    network, units = city.root / "units" / "network.yml", city.root / "units" / "units.yml"
    network.write_text(network.read_text("utf-8") + f"  - {{id: danfeng-xian, name: 丹凤县政协, key: {public}, unit: danfeng-zhengxie, author: zhou-jing}}\n",
                       "utf-8")
    units.write_text(units.read_text("utf-8") + "- {id: danfeng-zhengxie, name: 丹凤县政协, kind: 参加单位}\n", "utf-8")
    city.commit("zhou-jing", "登记丹凤县政协的转送公钥", "units/network.yml", "units/units.yml")

    ours = approved_report(shangnan)
    made = danfeng.ok("ma-lin", "new", "--title", "关于加强山区小型水库安全管理的建议", "--author", "ma-lin", "--category", "公共安全",
                      "--focus", "民之关切", "--source", "委员调研")
    path = danfeng.root / made.stdout.strip()
    path.write_text(path.read_text("utf-8").rsplit("---\n", 1)[0] + "---\n山区小型水库多建于上世纪，坝体老化，管护人员不足，汛期隐患突出。\n", "utf-8")
    danfeng.commit("ma-lin", "新信息：小型水库")
    theirs = path.stem
    danfeng.ok("he-jun", "review", theirs, "初审", "通过")
    danfeng.ok("lu-yan", "review", theirs, "复审", "通过")
    danfeng.ok("shi-wei", "review", theirs, "审定", "通过", "--route", "直报")
    bundles = [forward(shangnan, ours, keys["county"], tmp_path / "a")]
    done = danfeng.ok("ma-lin", "forward", theirs, "--to", "商洛市政协", "--key", str(tmp_path / "keys" / "danfeng"), "-o", str(tmp_path / "b"),
                      "--format", "json")
    bundles.append(Path(json.loads(done.stdout)["path"]))
    # a county cannot pass its bundle off as the other's: the city checks each against its own sender's key
    with zipfile.ZipFile(bundles[1]) as zf:
        forged = json.loads(zf.read("manifest.json"))
    forged["origin"]["id"] = "shangnan-xian"
    fake = rewrite(bundles[1], tmp_path / "fake.zip", **{"manifest.json": json.dumps(forged, ensure_ascii=False).encode()})
    assert "签名不是 商南县政协" in city.sqmy("zhou-jing", "receive", str(fake)).stderr
    city.ok("zhou-jing", "receive", *map(str, bundles))
    fronts = [yaml.safe_load(p.read_text("utf-8").split("---\n", 2)[1]) for p in city.items()]
    assert sorted((f["forwarded_from"]["office"], f["unit"]) for f in fronts) == [("danfeng-xian", "danfeng-zhengxie"),
                                                                                    ("shangnan-xian", "shangnan-zhengxie")]
    received = {f["forwarded_from"]["office"]: f["id"] for f in fronts}
    for item_id in received.values():
        city.ok("wu-tao", "review", item_id, "初审", "通过")
        city.ok("zheng-bo", "review", item_id, "复审", "通过")
        city.ok("feng-yu", "review", item_id, "审定", "通过", "--route", "直报")
    city.ok("zhou-jing", "journal", "new", received["danfeng-xian"])  # only 丹凤's report is published
    city.ok("zhou-jing", "feed", "--key", str(keys["city"]), "-o", str(tmp_path / "feed"))
    feed = json.loads((tmp_path / "feed" / "updates.json").read_text("utf-8"))["updates"]
    assert {(u["origin"], u["kind"]) for u in feed} == {("shangnan-xian", "received"), ("danfeng-xian", "received"), ("danfeng-xian", "adopted")}
    got_danfeng = json.loads(danfeng.ok("ma-lin", "pull-updates", str(tmp_path / "feed"), "--format", "json").stdout)
    got_shangnan = json.loads(shangnan.ok("li-ming", "pull-updates", str(tmp_path / "feed"), "--format", "json").stdout)
    assert [(r["item"], r["kind"]) for r in got_danfeng["recorded"]] == [(theirs, "adopted")]
    assert got_shangnan["recorded"] == []
    assert [s["item"] for s in got_shangnan["shown"]] == [ours]
    for county, person in ((danfeng, "ma-lin"), (shangnan, "li-ming")):
        stats = json.loads(county.ok(person, "stats", "--year", YEAR, "--format", "json").stdout)
        assert stats["adopted"]["市政协"] == (1 if county is danfeng else 0)
        assert county.sqmy(person, "audit").exit_code == 0
    assert city.sqmy("zhou-jing", "audit").exit_code == 0


def test_a_received_report_is_never_written_through_a_link(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    county, city, keys = offices
    bundle = forward(county, approved_report(county), keys["county"], tmp_path / "out")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (city.root / "items").mkdir(exist_ok=True)
    (city.root / "items" / YEAR).symlink_to(elsewhere, target_is_directory=True)
    result = city.sqmy("zhou-jing", "receive", str(bundle))
    assert result.exit_code != 0
    assert "符号链接" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_a_member_cannot_plant_a_key_or_a_provenance(offices: tuple[Office, Office, dict[str, Path]], tmp_path: Path) -> None:
    """As a member with push access: a forwarding key added to units/network.yml, or a report dressed up as received
    (its own Forwarded-Bundle trailer and all), by someone without the office role, is a violation the audit names."""
    county, city, keys = offices
    network = city.root / "units" / "network.yml"
    stranger = " ".join(keys["stranger"].with_name("stranger.pub").read_text("utf-8").split()[:2])
    text = network.read_text("utf-8")
    network.write_text(text[: text.index("offices:")] + f"offices:\n  - {{id: shangnan-xian, name: 商南县政协, key: {stranger}, "
                       "unit: shangnan-zhengxie, author: zhou-jing}\n", "utf-8")
    city.commit("wu-tao", "换一把公钥", "units/network.yml")
    assert "registry-not-office" in {f["rule"] for f in json.loads(city.sqmy("zhou-jing", "audit", "--format", "json").stdout)}
    city.git("reset", "-q", "--hard", "HEAD~1")

    item = approved_report(county)
    city.ok("zhou-jing", "receive", str(forward(county, item, keys["county"], tmp_path / "out")))
    [received] = city.items()
    planted = received.with_name(received.stem.replace("shangnanxian", "shangnanxian-x") + ".md")
    planted.write_text(received.read_text("utf-8").replace(f"id: \"{received.stem}\"", f"id: \"{planted.stem}\""), "utf-8")
    bundle = yaml.safe_load(received.read_text("utf-8").split("---\n", 2)[1])["forwarded_from"]["bundle"]
    with city.acting("wu-tao"):
        city.git("add", str(planted))
        city.git("commit", "-q", "-m", f"接收转送\n\nForwarded-Bundle: {bundle}\n")
    found = json.loads(city.sqmy("zhou-jing", "audit", "--format", "json").stdout)
    assert [(f["item"], f["rule"]) for f in found if f["rule"] == "forwarded-changed"] == [(planted.stem, "forwarded-changed")]
    assert "没有“办公室”角色" in next(f["message"] for f in found if f["rule"] == "forwarded-changed")
