"""The archive, built for real with MkDocs, in both editions."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

from click.testing import CliRunner

from sqmy import registry
from sqmy.cli import main
from sqmy.load import load_all
from sqmy.paths import Repo

from .conftest import REPO
from .gitoffice import Office

DAY = "2026-11-28"


def test_internal_edition_has_every_page(built: Path) -> None:
    site = built / "site"
    index = json.loads((site / "items.json").read_text("utf-8"))
    assert index["edition"] == "internal"
    assert len(index["items"]) == 65
    for row in index["items"]:
        page = site / row["url"] / "index.html"
        assert page.is_file(), row["url"]
    for page in ("index.html", "by/year/index.html", "by/unit/index.html", "by/status/index.html", "by/person/index.html",
                 "by/transfers/index.html", "by/instructions/index.html", "journal/index.html", "stats/index.html",
                 "rules/index.html", "guide/index.html", "guide/examples/index.html", "rankings/index.html"):
        assert (site / page).is_file(), page
    rankings = (site / "rankings/index.html").read_text("utf-8")
    assert "履职积分" in rankings
    assert "采集不足" in rankings  # the minimum count of the rate ranking is explained
    assert "<svg" in rankings
    assert "<script" not in rankings[rankings.index("<article"):rankings.index("</article>")]  # charts carry no script
    assert not (built / "site-public" / "rankings").exists()  # people's points are internal
    item = (site / "items/2025/2025-0512-yangshufen-1/index.html").read_text("utf-8")
    assert "审核过程" in item
    assert "郑雅文" in item  # the 初审 reviewer
    assert "建议质量较好，同意" in item  # a reviewer's comment
    assert "示政协转〔2025〕2号" in item
    assert "逾期" in (site / "by/transfers/index.html").read_text("utf-8")


def test_item_pages_link_their_word_documents(built: Path) -> None:
    """The internal edition links each item's documents and carries the files; the public one has none."""
    site = built / "site"
    page = (site / "items/2025/2025-0512-yangshufen-1/index.html").read_text("utf-8")
    section = page[page.index("公文</h2>"):]
    links = re.findall(r'<a href="([^"]+\.docx)" download(?:="")?[^>]*>([^<]+)</a>', section)
    assert [label for _, label in links] == ["《社情民意信息》2025年第4期", "参阅件", "转办函（示政协转〔2025〕2号）"]  # routes: 参阅, 转办
    item_dir = site / "items/2025/2025-0512-yangshufen-1"
    for target, _ in links:
        path = (item_dir / unquote(target)).resolve()
        assert path.is_file(), target
        assert path.read_bytes() == (built / "build" / "docx" / path.relative_to(site / "docx")).read_bytes()
    public = built / "site-public"
    assert not (public / "docx").exists()
    assert not [p for p in public.rglob("*.html") if ".docx" in p.read_text("utf-8")]


def test_item_pages_stay_out_of_the_menu(built: Path) -> None:
    page = (built / "site" / "by/year/2025" / "index.html").read_text("utf-8")
    start = page.index('<nav class="md-nav md-nav--primary')
    menu = page[start : page.index('class="md-content"', start)]
    assert "期刊" in menu
    assert "items/2025/" not in menu  # the menu would make the build quadratic (NOTES)
    assert "items/2025/" in page[page.index('class="md-content"'):]  # the index page links the items


def test_public_edition_shows_nothing_internal(built: Path) -> None:
    site = built / "site-public"
    reg, _ = registry.load(Repo(built))
    items = load_all(Repo(built), dt.date.fromisoformat(DAY)).items
    public = [i for i in items if i.audience == "公开"]
    internal = [i for i in items if i.audience != "公开"]
    index = json.loads((site / "items.json").read_text("utf-8"))
    assert index["edition"] == "public"  # `sqmy build --audience public`, though mkdocs.yml says internal
    assert {row["id"] for row in index["items"]} == {i.id for i in public}
    secrets = {i.id for i in internal} | {i.title for i in internal}
    secrets |= {p.phone for p in reg.people.values() if p.phone} | {p.email for p in reg.people.values()}
    secrets |= {r.comment for i in items for r in i.reviews if r.comment}
    secrets |= {x.summary for i in items for x in i.instructions if x.summary}
    secrets |= {t.feedback.summary for i in items for t in i.transfers if t.feedback and t.feedback.summary}
    secrets |= {t.letter for i in items for t in i.transfers if t.letter}
    secrets |= {"公开范围", "逾期"}
    files = [p for p in site.rglob("*") if p.is_file()]
    assert any(p.parent.name == "fragment" for p in files)  # the search index (Pagefind's fragments) is read too
    leaks = []
    for path in files:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":  # gzip: sitemap.xml.gz and the search index
            data = gzip.decompress(data)
        text = data.decode("utf-8", "replace").replace("\u200b", "")  # the index separates words with zero-width spaces
        leaks += [(path.relative_to(site).as_posix(), s) for s in secrets if s and s in text]
    assert leaks == []


def test_mkdocs_itself_builds_the_archive(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {"SQMY_TODAY": DAY, "NO_MKDOCS_2_WARNING": "1", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)], cwd=built, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (out / "items.json").is_file()
    assert len(json.loads((out / "items.json").read_text("utf-8"))["items"]) == 65


def _mkdocs(root: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    env = {"SQMY_TODAY": DAY, "NO_MKDOCS_2_WARNING": "1", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", **env}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out)], cwd=root, env=env,
                          capture_output=True, text=True, check=False)


def test_mkdocs_builds_the_edition_mkdocs_yml_names(built: Path, tmp_path: Path) -> None:
    """`plugins: - sqmy: {audience: public}` makes the public edition; the environment has no say (no SQMY_AUDIENCE)."""
    root = tmp_path / "office"
    for name in ("units", "items", "templates"):
        shutil.copytree(built / name, root / name)
    config = (built / "mkdocs.yml").read_text("utf-8")
    assert "audience: internal" in config
    (root / "mkdocs.yml").write_text(config.replace("audience: internal", "audience: public"), "utf-8")
    result = _mkdocs(root, tmp_path / "out", SQMY_AUDIENCE="internal")
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "out" / "items.json").read_text("utf-8"))
    assert index["edition"] == "public"
    assert len(index["items"]) == len(json.loads((built / "site-public" / "items.json").read_text("utf-8"))["items"])
    assert not (tmp_path / "out" / "rankings").exists()


def test_build_needs_the_sqmy_plugin(office: Path) -> None:
    shutil.copy(REPO / "mkdocs.yml", office)
    shutil.copytree(REPO / "templates" / "site", office / "templates" / "site")
    config = (office / "mkdocs.yml").read_text("utf-8")
    (office / "mkdocs.yml").write_text(re.sub(r"plugins:\n(  .*\n)+", "", config), "utf-8")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert "mkdocs.yml 没有启用 sqmy 插件" in result.stderr


def test_build_uses_the_office_page_templates(office: Path) -> None:
    """A template in the office's templates/site/ replaces the package's; it is not copied into the site."""
    shutil.copy(REPO / "mkdocs.yml", office)
    shutil.copytree(REPO / "templates" / "site", office / "templates" / "site")
    (office / "templates" / "site" / "examples.md.j2").write_text(
        "# 本县优秀信息\n\n{% for i in examples %}\n- [{{ i.title|md }}](../{{ url(i) }})，本县推荐\n{% endfor %}\n", "utf-8")
    for audience in ("internal", "public"):
        result = CliRunner().invoke(main, ["build", "--audience", audience])
        assert result.exit_code == 0, result.output
        site = office / ("site" if audience == "internal" else "site-public")
        page = (site / "guide" / "examples" / "index.html").read_text("utf-8")
        assert "本县优秀信息" in page
        assert "关于加快老旧小区加装电梯和管网改造的建议</a>，本县推荐" in page
        assert "优秀信息示例" not in page
        assert "审核过程" in (site / "items/2025/2025-0506-zhangwei-1/index.html").read_text("utf-8")  # the others are the package's
        assert not list(site.rglob("*.j2"))


def test_build_without_mkdocs_yml(office: Path) -> None:
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert "没有 mkdocs.yml" in result.stderr


def test_item_pages_show_the_git_trail(git_office: Office) -> None:
    o = git_office
    shutil.copy(REPO / "mkdocs.yml", o.root)
    shutil.copytree(REPO / "templates" / "site", o.root / "templates" / "site")
    item = o.new_item()
    assert o.review("li-chu", item, "初审", "通过", "-m", "同意").exit_code == 0
    sha = o.git("rev-parse", "HEAD").strip()
    for audience in ("internal", "public"):
        assert o.sqmy("li-chu", "build", "--audience", audience).exit_code == 0
    page = (o.root / "site" / "items" / item[:4] / item / "index.html").read_text("utf-8")
    assert "Git 记录" in page
    assert sha[:10] in page
    assert "初审 通过：关于加强社区停车管理的建议" in page
    public = (o.root / "site-public" / "items.json").read_text("utf-8")
    assert item not in public  # an internal item
