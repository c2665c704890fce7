"""Chinese search: a character-pair index of the items, built by Pagefind.

Pagefind cuts Chinese into words with jieba when it indexes, but since 1.5 the
browser cuts the query with its own segmenter (ICU), and the two disagree:
加装电梯 is indexed as one cut and queried as 加/装/电梯, so the item is not
found. Full-text search engines solve this for Chinese with overlapping
character pairs (bigrams, as Lucene's CJK analyzer does): the index holds
every single character and every pair of neighbours, the query is turned into
its pairs, and a page matches when it has all of them, whatever any dictionary
thinks a word is.

Pagefind is still the engine (the index is split into chunks fetched as a query
needs them, which keeps search fast at 10,000 items; a large archive is indexed
in parts, which keeps Pagefind's memory in bounds, see PART). It is given one small
search document per item, at the item's own URL, whose text is those tokens
separated by spaces and whose language is one Pagefind does not segment; the
title, a line of facts and the plain text travel as metadata, from which the
search page (assets/sqmy-search.js) draws the results and their excerpts.

A build indexes in the background (`Background`): the records go to another
process (`python -m sqmy.site.searchindex`), which makes the documents, runs
Pagefind and leaves the bundle in a folder of its own while MkDocs renders the
pages on the other core; the plugin moves the bundle into the site at the end.
The documents and the bundle are those `build` makes, byte for byte.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import tools
from ..errors import SqmyError

if TYPE_CHECKING:
    from ..registry import Registry

# what the browser must use too (assets/search.js): Han characters, and runs of Latin letters or digits
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
_MARKDOWN = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)|[*_`~]+|!?\[([^\]]*)\]\([^)]*\)", re.MULTILINE)
INDEX_LANGUAGE = "en"  # not zh/ja/th: Pagefind would re-cut the pairs (and the query) into words
TITLE_WEIGHT = 3  # the title's tokens are repeated: a word in the title ranks above one in the body
EXCERPT_CHARS = 2000


def tokens(text: str) -> Iterator[str]:
    """Every Han character and every pair of neighbouring ones; Latin words and numbers whole."""
    text = unicodedata.normalize("NFKC", text).lower()
    for match in _RUNS.finditer(text):
        run = match.group()
        if run[0].isascii():
            yield run
            continue
        yield from run
        for i in range(len(run) - 1):
            yield run[i : i + 2]


def plain(markdown: str) -> str:
    """The body as text to read in a result: Markdown marks removed, paragraphs joined."""
    text = _MARKDOWN.sub(lambda m: m.group(1) or "", markdown)
    return re.sub(r"\s+", " ", text).strip()


def document(title: str, facts: str, body: str, extra: Iterable[str] = ()) -> str:
    """The search document of one item: tokens to index, metadata to show."""
    text = plain(body)
    indexed = [" ".join(tokens(title))] * TITLE_WEIGHT + [" ".join(tokens(" ".join(extra))), " ".join(tokens(text))]
    return (
        f'<!doctype html><html lang="{INDEX_LANGUAGE}"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head><body>'
        f'<span data-pagefind-meta="title:{html.escape(title, quote=True)}"></span>'
        f'<span data-pagefind-meta="facts:{html.escape(facts, quote=True)}"></span>'
        f'<span data-pagefind-meta="text:{html.escape(text[:EXCERPT_CHARS], quote=True)}"></span>'
        f"<main data-pagefind-body>{html.escape(' '.join(indexed))}</main></body></html>"
    )


# Documents one Pagefind run indexes. Pagefind holds what it indexes in memory (some 0.75 MB a document: 2.2 GB
# for 3,000 items in one run), so a larger archive is indexed in parts of this many, one after another, which the
# search page merges (Pagefind's mergeIndex: one query over all, results ranked together by score).
PART = 1000
PARTS_FILE = "sqmy-parts.json"  # in _pagefind/: the folders of the parts after the first, for the search page
SITES_FILE = "search/sites.json"  # the other offices' public archives the search page searches too


def sites(reg: Registry) -> str:
    """The search page's list of other archives to search with this one (units/network.yml: the lower offices with a
    `site`, e.g. a city's counties): each public edition's index is merged into the query (Pagefind's mergeIndex), its
    results labelled and filtered by the office's name. `self` is this office's own name, the filter of its own pages."""
    net = reg.network
    others = [{"name": p.name, "url": p.site} for p in (net.offices.values() if net else ()) if p.site and p.level is None]
    return json.dumps({"self": reg.office.short_name or reg.office.name, "sites": others}, ensure_ascii=False, indent=1) + "\n"


def build(documents: Iterable[tuple[str, str]], site_dir: Path, part: int = PART) -> int:
    """Index `documents` ((page URL relative to the site root, search document)) into site_dir/_pagefind: the first
    `part` there, each further `part` in _pagefind/parts/N/, listed in _pagefind/sqmy-parts.json (which says
    `empty` when there is nothing to index: Pagefind makes no index then)."""
    if part < 1:
        raise SqmyError(f"搜索索引每部分的信息数（search_part）应为正整数，而不是 {part}")
    output = (site_dir / "_pagefind").resolve()
    documents = iter(documents)
    count, parts, n = 0, [], 0
    while True:
        chunk = list(itertools.islice(documents, part))
        if not chunk:  # Pagefind refuses to index nothing: an archive without items says so to its search page
            if not n:
                output.mkdir(parents=True, exist_ok=True)
                (output / PARTS_FILE).write_text(json.dumps({"parts": [], "empty": True}), "utf-8")
                return 0
            break
        with tempfile.TemporaryDirectory(prefix="sqmy-search-") as tmp:
            root = Path(tmp)
            for url, text in chunk:
                path = root / url.strip("/") / "index.html"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, "utf-8")
            target = output / "parts" / str(n) if n else output
            command = [sys.executable, "-m", "pagefind", "--site", str(root), "--output-path", str(target), "--quiet"]
            tools.run("Pagefind", command, what="Pagefind 建立搜索索引失败")
        if n:
            parts.append(f"parts/{n}/")
        count, n = count + len(chunk), n + 1
        if len(chunk) < part:
            break
    (output / PARTS_FILE).write_text(json.dumps({"parts": parts}), "utf-8")
    return count


# (page URL relative to the site root, title, facts, body, extra words): what `document` makes one search document of
Record = tuple[str, str, str, str, Sequence[str]]


class Background:
    """The search index of `records`, made by another process while the caller goes on (see the module's description).

    `finish` waits for it and moves it into a site; `cancel` stops it. Either may be called from another thread
    than the one waiting (`wait`)."""

    def __init__(self, records: Iterable[Record], part: int = PART) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sqmy-search-"))
        self._lock = threading.Lock()
        self._result: tuple[int, str] | None = None
        try:
            data = self.folder / "records.json"
            data.write_text(json.dumps([[url, title, facts, body, list(extra)] for url, title, facts, body, extra in records]), "utf-8")
            package = Path(__file__).resolve().parents[2]  # the folder holding sqmy: the child imports the same code
            env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")])))
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sqmy.site.searchindex", str(data), str(self.folder), str(part)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                start_new_session=True)  # a group of its own: cancelling stops Pagefind too, and Ctrl-C is the caller's
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def wait(self) -> tuple[int, str]:
        """Wait until the index is made (or the process ended otherwise): its exit code and what it said."""
        with self._lock:
            if self._result is None:
                _, err = self.process.communicate()
                self._result = (self.process.returncode, err.decode("utf-8", "replace").strip())
            return self._result

    def finish(self, site_dir: Path) -> None:
        """Wait for the index and move it to site_dir/_pagefind; what the process could not do is raised here."""
        try:
            code, message = self.wait()
            if code != 0:
                raise SqmyError(message if code == _REFUSED else f"Pagefind 建立搜索索引失败（退出码 {code}）：{message}")
            target = site_dir / "_pagefind"
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(self.folder / "_pagefind"), str(target))
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def cancel(self) -> None:
        """Stop indexing (a build that failed, or a newer one): nothing is left behind."""
        if self._result is None:  # not reaped yet: its group is still its own
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_REFUSED = 2  # the child's exit code for a problem it explains (SqmyError: Pagefind missing or failing)


def _main(data: Path, out: Path, part: int) -> int:
    records = json.loads(data.read_text("utf-8"))
    data.unlink()

    def documents() -> Iterator[tuple[str, str]]:
        for n, (url, title, facts, body, extra) in enumerate(records):
            records[n] = None  # written: not held while Pagefind runs
            yield url, document(title, facts, body, extra)

    try:
        build(documents(), out, part)
    except SqmyError as exc:
        print(exc.message, file=sys.stderr)
        return _REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(_main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
