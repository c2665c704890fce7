"""Golden documents: one Word document of each kind for the sample office, compared with copies in tests/golden/docx/.

For each kind the planner makes (plan.KINDS) two copies are kept: `<kind>.md`, the Pandoc
Markdown planned from templates/docx/ (what the office's wording makes), and
`<kind>.document.xml`, the `word/document.xml` of the file real pandoc made from it (what the
reader gets). Both are normalised so that they depend on sqmy, its templates and pandoc
alone: the per-run nonce becomes a fixed token, revision ids (w:rsid*, w14:paraId/textId) are
dropped, relationship ids become `rId`, and the XML is printed one element per line. `SQMY_UPDATE_GOLDEN=1` rewrites them.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile

import pytest
from lxml import etree

from sqmy import load
from sqmy.docx import ooxml, plan
from sqmy.docx import reference as docxstyle
from sqmy.paths import Repo

from . import golden
from .conftest import REPO, SAMPLES, TODAY

YEAR = 2025
SAMPLE_ITEM = "2025-0506-zhangwei-1"  # the sample office's approved item: in issue 3, sent 直报 and 转办
NONCE_TOKEN = "SQMY-NONCE"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
R_ID = f"{{{R}}}id"
# attributes Word (or another editor) fills with fresh random values on every save: noise in a diff
_NOISE = ("rsid", "paraId", "textId")


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[plan.Doc, bytes]]:
    """kind -> (the planned document, its Word file) for the sample office's year 2025, on the pinned day."""
    root = tmp_path_factory.mktemp("golden") / "office"
    shutil.copytree(SAMPLES / "office", root)
    shutil.copytree(REPO / "templates" / "docx", root / "templates" / "docx")
    repo = Repo(root)
    today = dt.date.fromisoformat(TODAY)
    loaded = load.load_all(repo, today)
    planner = plan.Planner(repo, loaded.registry, loaded.items, today)
    # the year gives the issue, the 直报 copy, the 转办函 and the 通报; the item is not routed to 参阅,
    # so its 参阅件 is asked for by name (as `sqmy docx referral` would)
    docs = [*planner.year(YEAR), planner.referral(SAMPLE_ITEM)]
    assert planner.skipped == []
    reference = docxstyle.reference_doc(repo)
    made = {doc.kind: (doc, plan.convert(doc, reference)) for doc in docs}
    assert len(made) == len(docs), [doc.name for doc in docs]  # one of each kind, or the golden copies would hide one
    return made


def markdown_copy(doc: plan.Doc) -> str:
    """The planned Markdown as it is, but for the run's nonce."""
    return doc.markdown.replace(ooxml.NONCE, NONCE_TOKEN)


def document_xml(data: bytes) -> str:
    """`word/document.xml` of a Word file, one element per line, without what differs between runs or saves."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml")
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    for node in root.iter():
        if isinstance(node.tag, str):  # an element (comments and processing instructions have no attributes)
            for name in list(node.attrib):
                local = etree.QName(name).localname
                if local.startswith(_NOISE):
                    del node.attrib[name]
                elif name == R_ID:  # numbered by pandoc in the order it writes parts: the footer's type says which
                    node.set(name, "rId")
            # WordprocessingML keeps text only in leaves (w:t, w:instrText): whitespace around elements is layout
            if len(node) and node.text is not None and not node.text.strip():
                node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    etree.indent(root, space="  ")
    return str(etree.tostring(root, encoding="unicode")).replace(ooxml.NONCE, NONCE_TOKEN) + "\n"


def test_one_document_of_each_kind(documents: dict[str, tuple[plan.Doc, bytes]]) -> None:
    assert sorted(documents) == sorted(plan.KINDS)
    assert {kind: doc.name for kind, (doc, _) in documents.items()} == {
        "journal": f"社情民意信息-{YEAR}年第3期.docx", "item": f"直报-{SAMPLE_ITEM}.docx", "referral": f"参阅件-{SAMPLE_ITEM}.docx",
        "transfer": f"转办函-{SAMPLE_ITEM}-1.docx", "bulletin": f"通报-{YEAR}.docx",
    }


@pytest.mark.parametrize("kind", plan.KINDS)
def test_planned_markdown_matches_its_golden_copy(documents: dict[str, tuple[plan.Doc, bytes]], kind: str) -> None:
    doc, _ = documents[kind]
    assert ooxml.NONCE in doc.markdown  # sqmy's own raw blocks carry the mark the filter looks for
    golden.check(f"docx/{kind}.md", markdown_copy(doc))


@pytest.mark.parametrize("kind", plan.KINDS)
def test_word_document_matches_its_golden_copy(documents: dict[str, tuple[plan.Doc, bytes]], kind: str) -> None:
    _, data = documents[kind]
    xml = document_xml(data)
    assert NONCE_TOKEN not in xml  # rawguard.lua removes the mark from every raw block it keeps
    golden.check(f"docx/{kind}.document.xml", xml)


def test_normalising_keeps_text_and_drops_only_noise() -> None:
    """What document_xml drops is noise; the text, including a lone space, stays exactly."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = (f'<w:document xmlns:w="{w}" xmlns:r="{R}"><w:body>\n  <w:p w:rsidR="00AB12CD" w:rsidRDefault="00EF3456">'
           f'<w:r><w:t xml:space="preserve"> </w:t></w:r><w:r><w:t>{ooxml.NONCE}</w:t></w:r></w:p>\n'
           '<w:sectPr><w:footerReference r:id="rId9" w:type="even"/></w:sectPr></w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", xml)
    assert document_xml(buffer.getvalue()).splitlines()[1:] == [
        "  <w:body>",
        "    <w:p>",
        "      <w:r>",
        '        <w:t xml:space="preserve"> </w:t>',
        "      </w:r>",
        "      <w:r>",
        f"        <w:t>{NONCE_TOKEN}</w:t>",
        "      </w:r>",
        "    </w:p>",
        "    <w:sectPr>",
        '      <w:footerReference r:id="rId" w:type="even"/>',
        "    </w:sectPr>",
        "  </w:body>",
        "</w:document>",
    ]


def test_every_golden_document_is_made() -> None:
    """A kind that is no longer made (or renamed) fails here instead of leaving a stale golden copy behind."""
    expected = {f"{kind}.md" for kind in plan.KINDS} | {f"{kind}.document.xml" for kind in plan.KINDS}
    assert golden.names("docx") == expected  # with SQMY_UPDATE_GOLDEN too: a stale copy is removed by hand

