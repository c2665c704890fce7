"""The archive, built for real with MkDocs, in both editions."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import markdown
import pytest
from click.testing import CliRunner
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

from sqmy import registry
from sqmy.cli import main
from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site import plugin as plugin_mod
from sqmy.site import searchindex
from sqmy.site.plugin import SqmyPlugin, _Tables

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


def _mkdocs(root: Path, out: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    env = {"SQMY_TODAY": DAY, "NO_MKDOCS_2_WARNING": "1", "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", **env}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(out), *args], cwd=root, env=env,
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


# --- speed without a change in what is built -----------------------------------------------------------------

_CHART = re.compile(rb"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # pygal's random chart ids


def _differences(expected: Path, actual: Path) -> list[str]:
    """Files that are not in both sites, or not the same bytes (pygal's random chart ids aside)."""
    def files(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): _CHART.sub(b"chart", p.read_bytes()) for p in site.rglob("*") if p.is_file()}
    a, b = files(expected), files(actual)
    return sorted(set(a) ^ set(b)) + sorted(name for name in set(a) & set(b) if a[name] != b[name])


class _Serve:
    """`mkdocs serve`'s builds, run here as its builder runs them: a fresh configuration each time, the plugin kept."""

    URL = "http://127.0.0.1:8000/"

    def __init__(self, root: Path, site: Path) -> None:
        self.root, self.site = root, site
        config = self._config()
        config.plugins.on_startup(command="serve", dirty=False)
        self.plugins = config.plugins

    def _config(self) -> MkDocsConfig:
        config = load_config(str(self.root / "mkdocs.yml"), site_dir=str(self.site))
        config.site_url = self.URL
        return config

    def build(self) -> SqmyPlugin:
        config = self._config()
        mkdocs_build(config, serve_url=self.URL)
        plugin = next(p for p in config.plugins.values() if isinstance(p, SqmyPlugin))
        plugin.wait_for_search()
        return plugin

    def close(self) -> None:
        self.plugins.on_shutdown()

    def fresh(self, out: Path) -> Path:
        """A full build of the office as it is now, by MkDocs in a process of its own, at the address served."""
        config = self.root / "mkdocs-fresh.yml"
        config.write_text((self.root / "mkdocs.yml").read_text("utf-8") + f"site_url: {self.URL}\n", "utf-8")
        try:
            result = _mkdocs(self.root, out, "-f", str(config))
        finally:
            config.unlink()
        assert result.returncode == 0, result.stderr
        return out


def test_serve_builds_again_only_what_a_change_touches(built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Under `mkdocs serve`, a change to one item (and an item removed) rebuilds the pages that show them, keeps
    the others' files, and the site is then the one a full build makes, file for file (search index included)."""
    root = tmp_path / "office"
    for name in ("units", "items", "templates", "build"):
        shutil.copytree(built / name, root / name)
    shutil.copy(built / "mkdocs.yml", root)
    serve = _Serve(root, tmp_path / "served")
    try:
        serve.build()
        assert _differences(serve.fresh(tmp_path / "fresh0"), serve.site) == []
        changed = root / "items/2025/2025-0512-yangshufen-1.md"
        changed.write_text(changed.read_text("utf-8") + "\n监督测试追加的一段。\n", "utf-8")
        (root / "items/2025/2025-0415-pandehai-1.md").unlink()
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="mkdocs.plugins.sqmy"):
            serve.build()
        kept = [r.getMessage() for r in caplog.records if "沿用上次生成的" in r.getMessage()]
        assert kept, "nothing was taken over"
        assert int(re.search(r"沿用上次生成的 (\d+) 页", kept[0]).group(1)) > 40  # type: ignore[union-attr]
        page = (serve.site / "items/2025/2025-0512-yangshufen-1/index.html").read_text("utf-8")
        assert "监督测试追加的一段" in page
        assert not (serve.site / "items/2025/2025-0415-pandehai-1").exists()
        assert _differences(serve.fresh(tmp_path / "fresh1"), serve.site) == []
        # a template that changes the titles in the menu: every page prints the menu, so the pages kept so far
        # are rendered after all
        groups = (REPO / "scripts/sqmy/site/templates/groups.md.j2").read_text("utf-8")
        (root / "templates/site/groups.md.j2").write_text(groups.replace("# {{ title|md }}", "# 信息{{ title|md }}"), "utf-8")
        serve.build()
        assert "信息按年份" in (serve.site / "items/2025/2025-0512-yangshufen-1/index.html").read_text("utf-8")
        assert _differences(serve.fresh(tmp_path / "fresh2"), serve.site) == []
        # a change to the registry: every page shows the office's name, so everything is built again
        office = root / "units/office.yml"
        office.write_text(office.read_text("utf-8").replace("示例县政协", "示例县政协机关"), "utf-8")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="mkdocs.plugins.sqmy"):
            serve.build()
        assert not [r for r in caplog.records if "沿用上次生成的" in r.getMessage()]
        assert _differences(serve.fresh(tmp_path / "fresh3"), serve.site) == []
    finally:
        serve.close()


def test_serve_reads_the_git_trail_again_when_head_moves(git_office: Office, tmp_path: Path) -> None:
    o = git_office
    shutil.copy(REPO / "mkdocs.yml", o.root)
    shutil.copytree(REPO / "templates" / "site", o.root / "templates" / "site", dirs_exist_ok=True)
    item = o.new_item()
    serve = _Serve(o.root, tmp_path / "served")
    try:
        serve.build()
        assert o.review("li-chu", item, "初审", "通过", "-m", "同意").exit_code == 0
        sha = o.git("rev-parse", "HEAD").strip()
        serve.build()
        page = (serve.site / "items" / item[:4] / item / "index.html").read_text("utf-8")
        assert sha[:10] in page
        assert _differences(serve.fresh(tmp_path / "fresh"), serve.site) == []
    finally:
        serve.close()


def test_a_build_after_serving_is_a_full_build(built: Path, tmp_path: Path) -> None:
    """MkDocs keeps the plugin between builds in one process: after a serve, `sqmy build` takes over nothing."""
    root = tmp_path / "office"
    for name in ("units", "items", "templates"):
        shutil.copytree(built / name, root / name)
    shutil.copy(built / "mkdocs.yml", root)
    serve = _Serve(root, tmp_path / "served")
    serve.build()
    serve.close()
    result = CliRunner().invoke(main, ["--root", str(root), "build", "--site-dir", str(tmp_path / "site")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "site" / ".sqmy-previous").exists()
    assert json.loads((tmp_path / "site" / "items.json").read_text("utf-8"))["edition"] == "internal"


def test_tables_pass_markdown_as_the_raw_blocks_they_are() -> None:
    """The one-line tables the plugin sets aside come back as Python-Markdown would have passed them through;
    where Markdown would have read them in another context, the plugin says so (and renders the page as written)."""
    md = markdown.Markdown(extensions=["toc", "tables", "fenced_code", "attr_list", "admonition"])
    table = "<table><thead><tr><th>甲</th></tr></thead><tbody><tr><td>1 &amp; <a href=\"../x/\">x</a></td></tr></tbody></table>"
    documents = {
        "alone": table,
        "first": f"{table}\n\n# 标题\n\n正文",
        "middle": f"# 标题\n\n{table}\n\n正文\n",
        "last": f"# 标题\n\n正文\n\n{table}\n",
        "two": f"# 标题\n\n{table}\n\n## 二\n\n{table}\n\n",
        "after a list": f"- 一\n- 二\n\n{table}\n\n尾",
        "no blank line after": f"# 标题\n\n{table}\n正文",  # not set aside
        "in an admonition": f"!!! note\n\n    {table}\n\n尾",  # indented: not set aside
    }
    for name, text in documents.items():
        tables = _Tables(text, "0123")
        expected = md.reset().convert(text)
        assert tables.restore(md.reset().convert(tables.markdown)) == expected, name
    for name, text in {"in an open block": f"<div>\n\n{table}\n\n</div>", "in a fence": f"```\n\n{table}\n\n```"}.items():
        tables = _Tables(text, "0123")
        assert tables.lines, name
        assert tables.restore(md.reset().convert(tables.markdown)) is None, name


def test_a_table_markdown_reads_otherwise_is_rendered_as_written(office: Path) -> None:
    """An office template that puts a table where Markdown does not pass it through as a block (here inside an
    HTML block): the page is rendered from its own Markdown, the table as Markdown left it."""
    shutil.copy(REPO / "mkdocs.yml", office)
    shutil.copytree(REPO / "templates" / "site", office / "templates" / "site")
    (office / "templates" / "site" / "examples.md.j2").write_text(
        '{% from "macros.j2" import table %}\n# 示例\n\n<div>\n\n{% call(i) table(["标题"], examples) %}<td>{{ i.title|html }}</td>'
        "{% endcall %}\n\n</div>\n", "utf-8")
    result = CliRunner().invoke(main, ["build", "--audience", "public"])
    assert result.exit_code == 0, result.output
    page = (office / "site-public" / "guide" / "examples" / "index.html").read_text("utf-8")
    article = page[page.index("<article"):page.index("</article>")]
    assert "<div>\n\n<table><thead><tr><th>标题</th></tr></thead><tbody><tr><td>关于加快老旧小区加装电梯和管网改造的建议</td>" in article
    assert "SQMYTABLE" not in page


def test_the_background_index_is_the_one_a_build_makes(tmp_path: Path) -> None:
    records = [(f"items/2026/x{n}/", f"关于{n}号小区加装电梯的建议", "城关 · 2026-01-08 · 已采用", f"正文{n}：老旧小区改造。", ["林志远"])
               for n in range(3)]
    assert searchindex.build(((url, searchindex.document(*rest)) for url, *rest in records), tmp_path / "a") == 3
    job = searchindex.Background(records)
    job.finish(tmp_path / "b")
    assert not job.folder.exists()
    assert _differences(tmp_path / "a", tmp_path / "b") == []
    stopped = searchindex.Background(records)
    stopped.cancel()
    assert not stopped.folder.exists()


def test_the_shortcuts_change_no_byte(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables set aside past Markdown and the menu reused for pages outside it make the same site as MkDocs
    and the theme make without them, in both editions."""
    root = tmp_path / "office"
    for name in ("units", "items", "templates", "build"):
        shutil.copytree(built / name, root / name)
    shutil.copy(built / "mkdocs.yml", root)

    def build(audience: str, out: Path) -> Path:
        result = CliRunner().invoke(main, ["--root", str(root), "build", "--audience", audience, "--site-dir", str(out)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return out

    fast = {audience: build(audience, tmp_path / f"fast-{audience}") for audience in ("internal", "public")}
    monkeypatch.setattr(plugin_mod, "_TABLE", re.compile(r"(?!)"))  # no table set aside
    monkeypatch.setattr(plugin_mod._Menus, "NAMES", ())  # no menu reused
    for audience in ("internal", "public"):
        assert _differences(build(audience, tmp_path / f"plain-{audience}"), fast[audience]) == []


def test_the_footer_is_the_offices_in_chinese(built: Path) -> None:
    """The theme's English credit gives way to the office's name and the edition's marking (内部资料 on the internal one)."""
    for site, marking in (("site", "社情民意信息存档（内部资料 注意保存）"), ("site-public", "社情民意信息存档（公开版）")):
        page = (built / site / "index.html").read_text("utf-8")
        footer = page[page.index("<footer"):]
        assert "Made with" not in footer, site
        assert "Material for MkDocs" not in footer, site
        assert f"中国人民政治协商会议示例县委员会 · {marking}" in footer, site


def test_the_item_page_shows_its_sending_in_the_internal_edition_only(built: Path) -> None:
    """A recorded 直报 send (date, to whom) is on the internal page; the public one says 已上报 without it."""
    item = "2025-0320-xieying-1"  # public, 直报, sent to 市政协办公室 on 2025-03-30
    internal = (built / "site" / "items" / "2025" / item / "index.html").read_text("utf-8")
    assert "2025-03-30 直报（市政协办公室）" in internal
    public = (built / "site-public" / "items" / "2025" / item / "index.html").read_text("utf-8")
    assert "已上报" in public
    assert "市政协办公室" not in public


# --- the search box in the header -----------------------------------------------------------------------------

_FORM = re.compile(r'<div class="md-search sqmy-header-search" data-sqmy-search[^>]*>.*?'
                   r'<div class="md-search__form" data-sqmy-page="([^"]+)">\s*'
                   r'<input type="text" class="md-search__input" name="q"', re.DOTALL)


def test_every_page_has_the_header_search_box(built: Path) -> None:
    """Every page of both editions has sqmy's search box in its header, sending the query to the search page, and
    loads the search script and style from the site itself; none has the theme's own box (lunr, an index sqmy does
    not make)."""
    for edition in ("site", "site-public"):
        site = built / edition
        pages = sorted(site.rglob("index.html"))
        assert len(pages) > 30
        for page in pages:
            html = page.read_text("utf-8")
            name = page.relative_to(site).as_posix()
            header = html[html.index("<header"):html.index("</header>")]
            found = _FORM.search(header)
            assert found, name
            target = (page.parent / found.group(1)).resolve()
            assert target == (site / "search").resolve(), name
            assert 'data-md-component="search"' not in html, name
            assert 'name="search"' not in html, name  # the theme's script would fetch its own index for a form so named
            assert re.search(r'<script src="(\.\./)*assets/sqmy-search\.js"></script>', html), name
            assert re.search(r'<link rel="stylesheet" href="(\.\./)*assets/sqmy\.css">', html), name
        assert (site / "assets/sqmy-search.js").is_file()
        assert (site / "assets/sqmy.css").is_file()
        assert not (site / "search" / "search_index.json").exists()
        search = (site / "search/index.html").read_text("utf-8")
        assert search.count("sqmy-search.js") == 1  # the header's script serves the search page too


def _with_the_demo_config(office: Path, old: str, new: str) -> None:
    """The office with the demo's mkdocs.yml, `old` in it replaced by `new`, and the demo's page templates."""
    config = (REPO / "mkdocs.yml").read_text("utf-8")
    assert old in config
    (office / "mkdocs.yml").write_text(config.replace(old, new, 1), "utf-8")
    shutil.copytree(REPO / "templates" / "site", office / "templates" / "site")


def test_an_offices_theme_overrides_keep_working(office: Path) -> None:
    """An office's custom_dir comes first: its main.html (a notice above every page) is used and the header keeps
    sqmy's search box; its own partials/header.html, if it has one, is the header."""
    _with_the_demo_config(office, "theme:\n  name: material\n", "theme:\n  name: material\n  custom_dir: overrides\n")
    (office / "overrides").mkdir()
    (office / "overrides" / "main.html").write_text('{% extends "base.html" %}\n{% block announce %}本县通知：归档每周一更新{% endblock %}\n', "utf-8")
    result = CliRunner().invoke(main, ["build", "--audience", "public"])
    assert result.exit_code == 0, result.output
    page = (office / "site-public" / "index.html").read_text("utf-8")
    assert "本县通知：归档每周一更新" in page
    assert _FORM.search(page)
    (office / "overrides" / "partials").mkdir()
    (office / "overrides" / "partials" / "header.html").write_text('<header class="md-header">本县自己的页眉</header>\n', "utf-8")
    result = CliRunner().invoke(main, ["build", "--audience", "public"])
    assert result.exit_code == 0, result.output
    page = (office / "site-public" / "index.html").read_text("utf-8")
    assert "本县自己的页眉" in page
    assert not _FORM.search(page)


def test_without_pagefind_the_theme_header_is_the_themes(office: Path) -> None:
    """`search: none` leaves search to another plugin: no sqmy box or script, the theme's header as it is."""
    _with_the_demo_config(office, "search: pagefind", "search: none")
    result = CliRunner().invoke(main, ["build", "--audience", "public"])
    assert result.exit_code == 0, result.output
    page = (office / "site-public" / "index.html").read_text("utf-8")
    assert "data-sqmy-search" not in page
    assert "sqmy-search" not in page
    assert not (office / "site-public" / "assets" / "sqmy-search.js").exists()
    assert "assets/sqmy.css" in page  # the archive's own style stays (the header on a phone)
