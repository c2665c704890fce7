"""Word documents in official layout: the journal, 直报 copy, 参阅件, 转办函 and 通报.

Each document is planned as Pandoc Markdown from a Jinja template in
templates/docx/ (the office can change the wording there: its file wins over
sqmy's own of the same name in sqmy/defaults/docx/), with raw WordprocessingML for
the fixed layout (ooxml.py), and converted by pandoc with the reference
document built from templates/docx/styles.yml (reference.py).
Planning is pure and fast; converting one document runs one pandoc, and many
(`write_all`) run one pandoc to read several of them and one to write each,
several at a time: the same files, with less starting of pandoc (convert_many).

What an item says reaches a document only as text: pandoc reads its body on
its own (ooxml.body, ooxml.split), raw markup in it is shown literally
(rawguard.lua), images are never read, phone and ID numbers are masked, and
each file pandoc writes is checked (every XML part parses, python-docx opens
it) before it is written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import threading
import traceback
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import defaults, journal, personal, schema
from ..errors import Incomplete, SqmyError
from ..fsutil import write_bytes
from ..items import Item, Transfer
from ..paths import Repo
from ..registry import Office, Registry
from ..status import STALE, approved_on, derive
from . import ooxml, pandoc

TEMPLATES = Path("templates") / "docx"  # the office's own, under its rules root
PACKAGE_TEMPLATES = defaults.FOLDER / "docx"  # sqmy's, used for every name the office does not have
OUTPUT = Path("build") / "docx"
KINDS = ("journal", "item", "referral", "transfer", "bulletin")
_DIGITS = "〇一二三四五六七八九"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~^$@:!])")


@dataclass(frozen=True)
class Doc:
    kind: str
    name: str  # file name
    year: int
    markdown: str
    items: tuple[str, ...]  # the items it carries (the site links them)

    @property
    def relative(self) -> Path:
        return Path(str(self.year)) / self.name


# --- names (the site links documents by these, so they depend on the item only) ------------


def item_documents(item: Item, journal_title: str = "社情民意信息") -> list[tuple[str, Path]]:
    """(label, path under build/docx/) of every document that carries `item`: an issue is in its own year's folder."""
    docs = []
    if item.journal:
        year, issue = item.journal.year, item.journal.issue
        docs.append((journal.label(journal_title, year, issue), Path(str(year)) / journal.file_name(year, issue, journal_title)))
    folder = Path(str(item.year))
    if schema.DIRECT in item.routes:
        docs.append(("直报件", folder / f"直报-{item.id}.docx"))
    if schema.REFERRAL in item.routes:
        docs.append(("参阅件", folder / f"参阅件-{item.id}.docx"))
    for n, t in enumerate(item.transfers, 1):
        docs.append((f"转办函（{t.letter or t.to}）", folder / f"转办函-{item.id}-{n}.docx"))
    return docs


# --- words -----------------------------------------------------------------------------


def chinese_date(day: dt.date) -> str:
    """成文日期 in Arabic numerals, as GB/T 9704-2012 §7.3.5.6 now prescribes."""
    return f"{day.year}年{day.month}月{day.day}日"


def period_words(label: str) -> str:
    if m := re.fullmatch(r"(\d{4})", label):
        return f"{m.group(1)}年"
    if m := re.fullmatch(r"(\d{4})Q([1-4])", label):
        return f"{m.group(1)}年第{_DIGITS[int(m.group(2))]}季度"
    if m := re.fullmatch(r"(\d{4})H([12])", label):
        return f"{m.group(1)}年{'上' if m.group(2) == '1' else '下'}半年"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{m.group(1)}年{int(m.group(2))}月"
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})至(\d{4})-(\d{2})-(\d{2})", label):
        a = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        b = dt.date(int(m.group(4)), int(m.group(5)), int(m.group(6)))
        return f"{chinese_date(a)}至{chinese_date(b)}"
    return label


def bulletin_number(office: Office, label: str, day: dt.date) -> str:
    """The 通报's 发文字号, in the form of the 转办函's letters: the office's 代字, the year it is issued, a serial.

    The 代字 is the 转办函's (`rules.letter_prefix`, 示政协转) with 转 made 通 (示政协通); an office without one uses
    its short name and 通. sqmy keeps no register of 通报, so the serial follows the period: a year's 通报 is 1号,
    a half-year's, quarter's or month's its number in the year (2026H2 → 2号, 2026Q3 → 3号, 2026-07 → 7号), a span of
    days 1号. An office that numbers them otherwise changes the number in Word."""
    prefix = office.letter_prefix or ""
    prefix = prefix[:-1] + "通" if prefix.endswith("转") else (prefix or office.short_name) + "通"
    serial = 1
    if m := re.fullmatch(r"\d{4}(?:[QH](\d)|-(\d{2}))", label):
        serial = int(m.group(1) or m.group(2))
    return f"{prefix}〔{day.year}〕{serial}号"


def md_escape(text: object) -> str:
    """Inline text that pandoc must read as text, not as Markdown (one line, whatever breaks it held)."""
    return " ".join(_MD_SPECIAL.sub(r"\\\1", ooxml.xml_text(str(text))).splitlines())


def shown(text: str) -> str:
    """Item text as a document shows it: phone and ID numbers masked, characters XML cannot hold removed."""
    return personal.mask(ooxml.xml_text(text))


def _shown(item: Item) -> Item:
    """The item as its documents show it (its approval is checked on the item itself, not on this copy)."""
    return dataclasses.replace(item, title=shown(item.title), body=shown(item.body))


def _body(item: Item) -> str:
    """The item body for a document, as a block of its own (ooxml.body): its section headings (## 一、…) become level 1 (黑体)."""
    lines = []
    fence = False
    for line in item.body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        lines.append(line[1:] if not fence and re.match(r"^#{2,6}\s", line) else line)
    return ooxml.body("\n".join(lines).strip("\n"))


def _display_capacity(repo: Repo) -> dict[str, float]:
    """For each centred display style of styles.yml (a title, a masthead: 18 points or more), how many characters of
    its size fit on a line of the type area. An unreadable definition gives none (making the document reports it)."""
    from . import reference  # noqa: PLC0415

    try:
        definition, _ = reference.load_definition(repo)
        geometry = reference.Geometry(definition["page"])
    except (SqmyError, KeyError, TypeError):
        return {}
    styles = definition.get("styles") or {}
    out = {}
    for name in styles:
        spec = reference.effective(styles, name)
        size = spec.get("size", 16)
        if spec.get("align") == "center" and isinstance(size, (int, float)) and size >= 18:
            indent = (spec.get("left_chars", 0) + spec.get("right_chars", 0)) * size * 20
            out[name] = (geometry.text_width - indent) / (size * 20)
    return out


# --- planning ----------------------------------------------------------------------------


class Planner:
    """Plans documents for one office: registry, items and templates in one place."""

    def __init__(self, repo: Repo, reg: Registry, items: Sequence[Item], today: dt.date, *, issue_keys: Iterable[journal.Key] | None = None) -> None:
        """`issue_keys`: every issue of the office, (year, number), when `items` are not all the office has (one
        issue's items are enough for that issue: the 总期号 counts the issues of every earlier year)."""
        import jinja2  # noqa: PLC0415 - only document commands render these templates

        self.repo, self.reg, self.today = repo, reg, today
        self.skipped: list[str] = []  # what year() left out, and why: said to the office, never silently
        self.items = {i.id: i for i in items}
        self.issues = journal.issues(items)  # (year, issue) -> its items
        self.issue_keys = sorted(set(self.issues) | set(issue_keys or ()))
        self._approval: dict[str, dt.date | None] = {}  # item id -> approved_on (a year's documents ask it of each item several times)
        self._earlier: dict[int, list[journal.Key]] = {}  # year -> the last issue of each earlier year (the 总期号 counts them)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(repo.rules_root / TEMPLATES), jinja2.FileSystemLoader(PACKAGE_TEMPLATES)]),
            undefined=jinja2.StrictUndefined,
            autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["md"] = md_escape
        self.env.filters["cn_date"] = chinese_date
        self.capacity = _display_capacity(repo)
        self.env.globals.update(
            raw=ooxml.raw, para=self.para, table=ooxml.table, cell=ooxml.Cell, box=ooxml.box,
            page_break=ooxml.page_break, office=reg.office, reporter=self.reporter, body=_body,
            unit_name=self.unit_name, banji=self.banji,
        )

    # helpers the templates call

    def para(self, style: str, text: str = "", **options: Any) -> str:
        """ooxml.paragraph; a title (a centred display style) too long for one line is cut into even lines (ooxml.balance)."""
        if style in self.capacity:
            text = ooxml.balance(str(text), self.capacity[style])
        return ooxml.paragraph(style, text, **options)

    def unit_name(self, unit_id: str) -> str:
        unit = self.reg.units.get(unit_id)
        return unit.name if unit else unit_id

    def reporter(self, item: Item) -> str:
        """反映人：name（unit，function）— never the phone (it stays in the registry)."""
        parts = []
        for author in item.authors:
            person = self.reg.people.get(author)
            if person is None:
                parts.append(author)
                continue
            unit = self.reg.units.get(person.unit)
            function = person.title or person.kind
            label = unit.label if unit else ""
            # a function that already names the unit (社法委主任 of 社法委) says it once
            if unit and any(name and name in function for name in (unit.label, unit.name, unit.short)):
                label = ""
            detail = "，".join(x for x in (label, function) if x)
            parts.append(f"{person.name}（{detail}）" if detail else person.name)
        return "反映人：" + "；".join(parts)

    def banji(self, day: dt.date, editor: str | None = None, what: str = "印发", anchor: str | None = None) -> str:
        """The 版记: 报/送/发 from the office settings, then who printed it, when, and how many; then `anchor`,
        the document's last paragraph (para(…)), which keeps the 版记 company on its page (ooxml.banji)."""
        office = self.reg.office
        rows = [f"{key}：{'，'.join(names)}。" for key in ("报", "送", "发") if (names := office.distribution.get(key))]
        rows.append(f"{editor or office.journal_editor}\t{chinese_date(day)}{what}")
        if office.print_count:
            rows.append(f"（共印{office.print_count}份）")
        return ooxml.raw(ooxml.banji(rows, anchor) if anchor is not None else ooxml.banji(rows))

    def _render(self, template: str, **values: Any) -> str:
        import jinja2  # noqa: PLC0415

        # named as the loader finds it: the office's file when it has one, sqmy's own otherwise
        own = (self.repo.rules_root / TEMPLATES / template).is_file()
        name = (TEMPLATES / template).as_posix() if own else f"{defaults.SHOWN}/docx/{template}"
        try:
            return self.env.get_template(template).render(**values)
        except jinja2.TemplateNotFound:
            raise SqmyError(f"找不到公文模板 {(TEMPLATES / template).as_posix()}") from None
        except jinja2.TemplateError as exc:
            # syntax errors carry the line; errors while rendering show it in the traceback jinja2 rewrites
            line = getattr(exc, "lineno", None) or next(
                (f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename.endswith(template)), None)
            where = f"{name}:{line}" if line else name
            raise SqmyError(f"{where}: 错误：公文模板有错误：{exc}") from None

    def item(self, item_id: str) -> Item:
        item = self.items.get(item_id)
        if item is None:
            raise SqmyError(f"没有编号为 {item_id} 的信息")
        return item

    def _approved_on(self, item: Item) -> dt.date | None:
        if item.id not in self._approval or self.items.get(item.id) is not item:
            self._approval[item.id] = approved_on(item, self.today)
        return self._approval[item.id]

    def _approved(self, item: Item) -> dt.date:
        day = self._approved_on(item)
        if day is None:
            raise SqmyError(f"信息 {item.id} 尚未审定通过，不能生成公文")
        return day

    # the documents

    def journal(self, year: int, issue: int, day: dt.date | None = None) -> Doc:
        members = sorted(self.issues.get((year, issue), []), key=lambda i: (self._approved(i), i.id))
        if not members:
            known = sorted(n for y, n in self.issue_keys if y == year)
            hint = f"（{year}年已有：第{'、'.join(map(str, known))}期）" if known else f"（{year}年还没有编发期刊）"
            raise SqmyError(f"{year}年第{issue}期没有编入任何信息{hint}；用 sqmy journal add 编入")
        day = day or max(self._approved(i) for i in members)
        if year not in self._earlier:
            last: dict[int, int] = {}
            for y, n in self.issue_keys:
                if y < year:
                    last[y] = max(last.get(y, 0), n)
            self._earlier[year] = list(last.items())
        total = journal.total_number(self.reg.office.issues_before, self._earlier[year], year, issue)
        text = self._render("journal.md.j2", year=year, issue=issue, total=total, date=day, items=[_shown(i) for i in members])
        return Doc("journal", journal.file_name(year, issue, self.reg.office.journal_title), year, text, tuple(i.id for i in members))

    def direct(self, item_id: str) -> Doc:
        item = self.item(item_id)
        day = self._approved(item)
        text = self._render("item.md.j2", item=_shown(item), date=day)
        return Doc("item", f"直报-{item.id}.docx", item.year, text, (item.id,))

    def referral(self, item_id: str) -> Doc:
        item = self.item(item_id)
        day = self._approved(item)
        text = self._render("referral.md.j2", item=_shown(item), date=day)
        return Doc("referral", f"参阅件-{item.id}.docx", item.year, text, (item.id,))

    def transfer(self, item_id: str, number: int | None = None) -> list[Doc]:
        item = self.item(item_id)
        if not item.transfers:
            raise SqmyError(f"信息 {item.id} 没有转办记录；先用 sqmy record {item.id} transfer 记录转办")
        chosen = range(1, len(item.transfers) + 1) if number is None else [number]
        docs = []
        for n in chosen:
            if not 1 <= n <= len(item.transfers):
                raise SqmyError(f"信息 {item.id} 只有 {len(item.transfers)} 次转办，没有第 {n} 次")
            t: Transfer = item.transfers[n - 1]
            text = self._render("transfer.md.j2", item=_shown(item), transfer=t, to_name=self.unit_name(t.to), date=t.date,
                                choices="　".join("□" + r for r in schema.enum("feedback_result")))
            docs.append(Doc("transfer", f"转办函-{item.id}-{n}.docx", item.year, text, (item.id,)))
        return docs

    def bulletin(self, when: Any) -> Doc:
        """The 通报 for a period (stats.Period): funnel, rankings, quotas and overdue follow-ups, as tables."""
        from .. import report, score, stats, views  # noqa: PLC0415

        cell = report.cell_text
        items = list(self.items.values())
        counts = stats.compute(self.reg, items, when, self.today)
        flat = stats.flat(counts)
        funnel = counts["funnel"]
        rules = self.reg.scoring
        scored = score.compute(self.reg, items, dict(rules), when, self.today) if rules else None
        # the 通报 is dated when it is written: today, or shortly after a period long past
        day = min(self.today, when.end + dt.timedelta(days=10))
        rows: dict[str, list[list[str]]] = {
            "summary": [[stats.COLUMNS[k], str(v)] for k, v in flat.items()] + [
                ["采编率（采编/采集）", cell(funnel["edited_of_collected"])],
                ["上报率（上报/采编）", cell(funnel["reported_of_edited"])],
                ["采用率（被采用/上报）", cell(funnel["adopted_of_reported"])],
            ],
            "quota": [[q["name"], str(q["quota"]), str(q["collected"]), str(q["edited"]), cell(q["completion"])] for q in counts["quota"]],
            "units": [], "people": [],
            # the title with what is overdue under it (转办 and its 文号): a column of its own left too little for the title
            "overdue": [[f"{shown(o['title'])}\n{o['kind']}　{o['letter']}", o["to_name"], chinese_date(dt.date.fromisoformat(o["due"])),
                         str(o["overdue_days"])] for o in views.overdue(self.reg, items, day)],
        }
        if scored:
            rows["units"] = [[str(r["rank"]), r["name"], str(r["items"]), cell(r["quota"]), cell(r["completion"]), cell(report.Points(r["points"])), r["grade"]]
                             for r in scored["units"] if r["items"] or r["quota"]]
            rows["people"] = [[str(r["rank"]), r["name"], r["unit"], str(r["items"]), str(r["first_author"]), cell(report.Points(r["points"]))]
                              for r in scored["people"][:20]]
        text = self._render("bulletin.md.j2", period=period_words(when.label), flat=flat, rows=rows,
                            rules_name=(rules or {}).get("name", ""), date=day, number=bulletin_number(self.reg.office, when.label, day))
        safe = re.sub(r"[^\w\-]", "-", when.label)
        return Doc("bulletin", f"通报-{safe}.docx", when.start.year, text, ())

    def year(self, year: int, kinds: Iterable[str] = KINDS) -> list[Doc]:
        """Every document of a year: the journal issues, each item's documents and the year's 通报."""
        from .. import stats  # noqa: PLC0415

        wanted = set(kinds)
        docs: list[Doc] = []
        self.skipped = []
        if "journal" in wanted:
            for y, n in sorted(self.issues):
                if y == year:
                    try:
                        docs.append(self.journal(year, n))
                    except SqmyError as exc:
                        self.skipped.append(f"{year}年第{n}期：{exc.message}")
        for item in sorted(self.items.values(), key=lambda i: i.id):
            if item.year != year:
                continue
            if self._approved_on(item) is None:
                if derive(item, self.today).status == STALE:
                    self.skipped.append(f"信息 {item.id}：审定后标题或正文被修改，原审核不再有效，未生成它的公文（请办公室 sqmy reopen 后重新审核）")
                continue
            if "item" in wanted and schema.DIRECT in item.routes:
                docs.append(self.direct(item.id))
            if "referral" in wanted and schema.REFERRAL in item.routes:
                docs.append(self.referral(item.id))
            if "transfer" in wanted and item.transfers:
                docs += self.transfer(item.id)
        if "bulletin" in wanted:
            docs.append(self.bulletin(stats.period(year, None, None, None, self.today)))
        return docs


# --- converting ---------------------------------------------------------------------------


def convert(doc: Doc, reference: Path) -> bytes:
    """The Word file of `doc`, checked (see `check`)."""
    _load_checker()
    data = pandoc.markdown_to_docx(ooxml.split(doc.markdown), reference, ooxml.NONCE)
    check(doc.name, data)
    return data


# Many documents: one pandoc reads several (pandoc.read_many: the same sandbox, file scopes, filter and nonce)
# and one writes them (pandoc.write_many), which saves starting pandoc and its Lua filter twice a document
# (benchmarks/docx_speed.py).
BATCH = 64  # at most, documents one pandoc reads (and one writes)
MIN_BATCH = 3  # fewer are converted one by one: reading apart costs more than it saves


def convert_many(docs: Sequence[Doc], reference: Path) -> list[bytes | SqmyError | OSError]:
    """`convert` for each of `docs`: its Word file (checked), or why there is none, as `convert` would have said.

    Each document is the same file `convert` makes (tests/test_docx_pandoc.py, test_documents.py); when reading
    them together fails for any reason, or writing one of them does, that document is converted alone,
    so that a failure is reported for the document it belongs to, in the usual words.
    """
    _load_checker()
    asts: list[bytes | None] = [None] * len(docs)
    if len(docs) >= MIN_BATCH:
        with contextlib.suppress(SqmyError, OSError, ValueError):  # ValueError: pandoc.BatchMismatch, or output that is not JSON
            asts = list(pandoc.read_many([ooxml.split(doc.markdown) for doc in docs], ooxml.NONCE))
    written: list[bytes | None] = [None] * len(docs)
    if all(ast is not None for ast in asts) and len(docs) >= MIN_BATCH:
        with contextlib.suppress(SqmyError, OSError):  # then each is written alone
            written = list(pandoc.write_many([ast for ast in asts if ast is not None], reference))
    made: list[bytes | SqmyError | OSError] = []
    for doc, ast, together in zip(docs, asts, written, strict=True):
        data = together
        try:
            if data is None and ast is not None:
                with contextlib.suppress(SqmyError):  # then converted alone, which says what failed as usual
                    data = pandoc.json_to_docx(ast, reference)
            if data is None:
                data = convert(doc, reference)
            else:
                check(doc.name, data)
            made.append(data)
        except (SqmyError, OSError) as exc:
            made.append(exc)
    return made


_GOOD_PARTS: set[bytes] = set()  # SHA-256 of XML parts that parsed (adding to a set is safe across threads)
_DOCX_LOCK = threading.Lock()
_LOADING: list[threading.Thread] = []


def _load_checker() -> None:
    """Import python-docx (which `check` needs) in the background, once, while the first pandoc runs: one document
    (`sqmy docx journal`) is ready that much sooner. `check` imports it too, and so waits for this import to end
    (or fails as it would have, should the import fail)."""

    def load() -> None:
        with contextlib.suppress(Exception):
            import docx  # noqa: F401, PLC0415

    with _DOCX_LOCK:
        if not _LOADING:
            _LOADING.append(threading.Thread(target=load, name="sqmy-load-python-docx"))
            _LOADING[0].start()


def check(name: str, data: bytes) -> None:
    """Refuse a file Word could not open: a broken package, an XML part that does not parse, or one python-docx cannot read."""
    import docx  # noqa: PLC0415 - only document commands need it
    from docx.opc.part import XmlPart  # noqa: PLC0415
    from lxml import etree  # noqa: PLC0415 - python-docx's XML library

    def broken(detail: str) -> SqmyError:
        return SqmyError(f"公文“{name}”生成后检查未通过（{detail}），没有写入；请把这条信息和 templates/docx/ 中的模板报告给维护 sqmy 的人员")

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = {part: package.read(part) for part in package.namelist()}  # reading checks each part's CRC
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, EOFError, ValueError) as exc:
        raise broken(f"不是完好的 Word 文件：{exc}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def parse_all(skip: set[str]) -> None:
        for part, content in parts.items():
            if part in skip or not part.endswith((".xml", ".rels")):
                continue
            digest = hashlib.sha256(content).digest()
            if digest in _GOOD_PARTS:  # the theme, fonts and properties every document shares
                continue
            try:
                etree.fromstring(content, parser)
            except etree.XMLSyntaxError as exc:
                raise broken(f"{part} 不是完好的 XML：{exc}") from None
            _GOOD_PARTS.add(digest)

    try:
        with _DOCX_LOCK:  # python-docx parses with one lxml parser for all, and lxml parsers are not for two threads at once
            opened = docx.Document(io.BytesIO(data))
    except Exception as exc:  # whatever python-docx stumbles on, Word would too
        parse_all(set())  # name the part, when it is one that does not parse
        raise broken(f"python-docx 无法打开：{type(exc).__name__}: {exc}") from None
    # python-docx parsed its own parts as it opened them; the others are parsed here
    parse_all({str(part.partname).lstrip("/") for part in opened.part.package.iter_parts() if isinstance(part, XmlPart)})


def write_all(
    docs: Sequence[Doc], out_dir: Path, reference: Path, *, jobs: int | None = None,
    progress: Callable[[int, int, Doc], None] | None = None, flat: bool = False,
) -> list[Path]:
    """Convert and write `docs` under `out_dir` (in year folders unless `flat`), several pandoc at a time.

    Each file is written whole or not at all; a document that fails does not stop
    the others, and the failures are reported together at the end.
    """
    # one conversion more than there are cores: while a thread checks or writes a file (Python, one at a time)
    # or waits for the disk, the others' pandoc keep every core busy; a pandoc more costs no CPU time
    jobs = max(1, jobs or int(os.environ.get("SQMY_JOBS") or 0) or (os.cpu_count() or 1) + 1)
    written: dict[int, Path] = {}
    failures: list[str] = []
    targets = [out_dir / (doc.name if flat else doc.relative) for doc in docs]
    # batches small enough that every pandoc at a time has several to do till the end
    size = min(BATCH, len(docs) // (jobs * 4))
    size = size if size >= MIN_BATCH else 1
    batches = [range(start, min(start + size, len(docs))) for start in range(0, len(docs), size)]

    def make(batch: range) -> list[tuple[int, SqmyError | OSError | None]]:
        # converted, checked and written by the same thread: writing (each file is synced to disk) waits
        # beside the other conversions, not in front of them
        done: list[tuple[int, SqmyError | OSError | None]] = []
        for n, data in zip(batch, convert_many([docs[n] for n in batch], reference), strict=True):
            try:
                if not isinstance(data, bytes):
                    raise data
                write_bytes(targets[n], data)
                done.append((n, None))
            except (SqmyError, OSError) as exc:
                done.append((n, exc))
        return done

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(make, batch) for batch in batches]
        count = 0
        for future in as_completed(futures):
            for n, exc in future.result():
                count += 1
                doc, target = docs[n], targets[n]
                if exc is None:
                    written[n] = target
                elif isinstance(exc, SqmyError):
                    failures.append(exc.message if doc.name in exc.message else f"{doc.name}：{exc.message}")
                else:
                    failures.append(f"{doc.name}：无法写入 {target}：{exc.strerror or exc}")
                if progress:
                    progress(count, len(docs), doc)
    if failures:
        raise Incomplete(f"{len(failures)} 份公文未能生成（其余 {len(written)} 份已写入）：\n" + "\n".join(failures))
    return [written[n] for n in sorted(written)]


def documents_of(repo: Repo, items: Iterable[Item], journal_title: str) -> Mapping[str, list[tuple[str, Path]]]:
    """For the site: each item's documents that exist under build/docx, as (label, path relative to it)."""
    root = repo.root / OUTPUT
    found: dict[str, list[tuple[str, Path]]] = {}
    if not root.is_dir():
        return found
    for item in items:
        for label, relative in item_documents(item, journal_title):
            if (root / relative).is_file():
                found.setdefault(item.id, []).append((label, relative))
    return found
