"""The MkDocs plugin: a thin adapter that hands sitegen's pages to MkDocs.

Registered as the `sqmy` plugin (entry point in pyproject.toml), so that
`mkdocs build`, `mkdocs serve` and `sqmy build` all make the same archive.
The edition is the plugin option `audience` (internal | public), or the
environment variable SQMY_AUDIENCE, which `sqmy build --audience` sets.
"""

from __future__ import annotations

import logging
import os
from importlib import resources
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from . import searchindex, sitegen
from .dates import today
from .documents import OUTPUT, documents_of
from .errors import SqmyError
from .fsutil import write_text
from .history import timelines
from .paths import find_repo
from .validate import load_all

log = logging.getLogger("mkdocs.plugins.sqmy")


class _Options(Config):  # type: ignore[no-untyped-call]
    audience = config_options.Choice(sitegen.AUDIENCES, default=sitegen.INTERNAL)
    # pagefind: an index in chunks, fetched as a query needs it (fast at 10,000 items);
    # none: leave search to another plugin (e.g. mkdocs-material's `search`)
    search = config_options.Choice(("pagefind", "none"), default="pagefind")


class SqmyPlugin(BasePlugin[_Options]):  # type: ignore[no-untyped-call]
    edition: sitegen.Edition
    pages: dict[str, str]

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        audience = os.environ.get("SQMY_AUDIENCE") or self.config.audience
        if audience not in sitegen.AUDIENCES:
            raise PluginError(f"SQMY_AUDIENCE 应为 internal 或 public，现在是“{audience}”")
        try:
            repo = find_repo(Path(config.config_file_path).parent)
            day = today()
            loaded = load_all(repo, day)
        except SqmyError as exc:
            raise PluginError(exc.message) from None
        broken = {f.path for f in loaded.findings if f.severity == "error"}
        if broken:
            log.warning("%d 个文件有错误，未收入归档；运行 sqmy validate 查看详情", len(broken))
        history = timelines(repo) if audience == sitegen.INTERNAL else {}
        self.documents: dict[str, Path] = {}
        links: dict[str, list[tuple[str, str]]] = {}
        if audience == sitegen.INTERNAL:  # the Word files `sqmy docx all` made, copied into the site and linked
            found = documents_of(repo, loaded.items, loaded.registry.office.journal_title)
            for item_id, docs in found.items():
                for label, relative in docs:
                    site_path = f"docx/{relative.as_posix()}"
                    self.documents[site_path] = repo.root / OUTPUT / relative
                    links.setdefault(item_id, []).append((label, site_path))
        self.edition = sitegen.edition(loaded.registry, loaded.items, audience, day, history, links)
        self.pages = sitegen.pages(self.edition)
        if self.config.search == "pagefind":
            self.pages["search.md"] = sitegen.SEARCH_PAGE
        office = loaded.registry.office
        suffix = "" if audience == sitegen.INTERNAL else "（公开版）"
        config.site_name = f"{office.short_name}社情民意信息{suffix}"
        if not config.nav:
            extra = [{"晾晒比拼": "rankings.md"}] if audience == sitegen.INTERNAL else []
            config.nav = sitegen.NAV + extra + ([{"搜索": "search.md"}] if self.config.search == "pagefind" else [])
        return config

    def on_serve(self, server: Any, config: MkDocsConfig, builder: Any, **_: Any) -> Any:
        """`mkdocs serve` rebuilds when an item or the registry changes, not only the docs folder."""
        root = Path(config.config_file_path).parent
        for folder in ("items", "units"):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server

    def on_files(self, files: Files, config: MkDocsConfig, **_: Any) -> Files:
        for path, content in self.pages.items():
            files.append(File.generated(config, path, content=content))
        if self.config.search == "pagefind":
            script = resources.files("sqmy").joinpath("assets", "search.js").read_text("utf-8")
            files.append(File.generated(config, "assets/sqmy-search.js", content=script))
        for path, source in self.documents.items():
            files.append(File.generated(config, path, abs_src_path=str(source)))
        return files

    def on_post_build(self, config: MkDocsConfig, **_: Any) -> None:
        write_text(Path(config.site_dir) / "items.json", sitegen.items_json(self.edition))
        if self.config.search == "pagefind":
            try:
                searchindex.build(sitegen.search_documents(self.edition), Path(config.site_dir))
            except SqmyError as exc:
                raise PluginError(exc.message) from None
