"""The archive built with ProperDocs, the maintained continuation of MkDocs 1.x, is the archive MkDocs builds.

mkdocs-material 9.x is in maintenance (until May 2027) and MkDocs 2.0 drops plugins; ProperDocs runs the same
mkdocs.yml, plugins and themes (it answers `mkdocs.*` imports with its own modules). The sample office is built
in both editions by `python -m mkdocs build` and `python -m properdocs build` (each in a process of its own, as
CI and an office run them), and every page must be the same, but for the generator's name and version.

The same MkDocs build checks the golden HTML pages (test_site_pages.py): the content tests/sitehtml.py renders
without MkDocs for each generated page is what the built page holds.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sqmy.load import load_all
from sqmy.paths import Repo
from sqmy.site import pages

from . import sitehtml
from .conftest import REPO, SAMPLES, TODAY

pytest.importorskip("properdocs", reason="properdocs is a test dependency (pyproject.toml)")

TOOLS = ("mkdocs", "properdocs")
# what names the program that built a page: the generator's tag (the theme's footer credit is off: extra.generator)
_GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


def _build(tool: str, config: Path, site: Path) -> None:
    env = {**os.environ, "SQMY_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "true"}
    done = subprocess.run([sys.executable, "-m", tool, "build", "-q", "-f", str(config), "-d", str(site)], cwd=config.parent, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{tool}: {done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """The sample office's internal and public editions, each built by MkDocs and by ProperDocs: by (tool, audience)."""
    root = tmp_path_factory.mktemp("properdocs") / "office"
    shutil.copytree(SAMPLES / "office", root)
    (root / "templates" / "site").mkdir(exist_ok=True)  # MkDocs' docs_dir: the office's own pages (it has none)
    config = (REPO / "mkdocs.yml").read_text("utf-8")
    assert "      audience: internal\n" in config
    built = {}
    for audience in pages.AUDIENCES:
        path = root / f"mkdocs-{audience}.yml"
        path.write_text(config.replace("      audience: internal\n", f"      audience: {audience}\n"), "utf-8")
        for tool in TOOLS:
            built[tool, audience] = root / f"site-{tool}-{audience}"
            _build(tool, path, built[tool, audience])
    return built


def _files(site: Path) -> dict[str, bytes]:
    """Every file of a built site but the search index (Pagefind's) and compressed copies; pages without their generator tag."""
    found = {}
    for path in sorted(site.rglob("*")):
        name = path.relative_to(site).as_posix()
        if not path.is_file() or name.startswith("_pagefind/") or name.endswith(".gz"):
            continue
        data = path.read_bytes()
        found[name] = _GENERATOR.sub("", data.decode("utf-8")).encode("utf-8") if name.endswith(".html") else data
    return found


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_properdocs_builds_the_archive_mkdocs_builds(sites: dict[tuple[str, str], Path], audience: str) -> None:
    mkdocs, properdocs = (_files(sites[tool, audience]) for tool in TOOLS)
    assert sorted(properdocs) == sorted(mkdocs)
    assert [name for name in mkdocs if properdocs[name] != mkdocs[name]] == []
    assert len([name for name in mkdocs if name.endswith(".html")]) > 25
    home = mkdocs["index.html"].decode("utf-8")
    assert "样本县政协社情民意信息" in home
    assert "<svg" in home  # the home page's chart, put back after sanitizing
    generators = {tool: _GENERATOR.findall((sites[tool, audience] / "index.html").read_text("utf-8")) for tool in TOOLS}
    assert "properdocs" in str(generators["properdocs"]).lower()  # it was ProperDocs that built it
    assert "properdocs" not in str(generators["mkdocs"]).lower()


@pytest.mark.parametrize("audience", pages.AUDIENCES)
def test_golden_html_is_what_the_built_site_shows(sites: dict[tuple[str, str], Path], audience: str, tmp_path: Path) -> None:
    """Each generated page rendered without MkDocs (tests/sitehtml.py, as the golden HTML pages are) is, byte for
    byte, the content of the page MkDocs built."""
    root = tmp_path / "office"
    shutil.copytree(SAMPLES / "office", root)
    day = dt.date.fromisoformat(TODAY)
    loaded = load_all(Repo(root), day)
    e = pages.edition(loaded.registry, loaded.items, audience, day)  # what the plugin makes of a folder without Git
    made = pages.pages(e)
    site = sites["mkdocs", audience]
    for name, text in made.items():
        built = (site / pages.page_url(name) / "index.html").read_text("utf-8")
        content = sitehtml.render(text, name, e.figures)
        assert content in built, name
    assert len(made) > 20
