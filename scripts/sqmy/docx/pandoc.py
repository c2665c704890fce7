"""pandoc, through one door: every call reports command, exit code and stderr on failure.

pypandoc provides the pandoc binary (pypandoc-binary ships it, so no system
pandoc is needed) and tells where it is; the process itself is run here so that
a failure names the exact command and what pandoc said, and so that several
documents can be converted at once from threads.

A document is converted by one pandoc (markdown_to_docx); for many, one pandoc
reads several (read_many, to pandoc's own JSON) and one writes them (write_many;
json_to_docx writes one): every part still a file of its own, in the same
sandbox, through the same filter, and each Word file the same, byte for byte.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from .. import tools
from ..errors import SqmyError


@functools.cache
def pandoc_path() -> str:
    import pypandoc  # noqa: PLC0415 - only document commands need pandoc

    try:
        return str(pypandoc.get_pandoc_path())
    except OSError as exc:
        raise SqmyError(f"找不到 pandoc：{exc}。请重新安装本项目（pip install -e .），它带有 pandoc。") from None


# pandoc's GHC runtime, sized for short conversions. The binary asks for a 64 MB heap (-H64m), so a conversion
# that allocates some 60 MB has the kernel hand it a fresh zeroed page for nearly every allocation: 18,000 page
# faults, more system time than pandoc's own work. A 16 MB allocation area, reused after each minor collection,
# takes 8,000 and costs a fifth less CPU a document, of every kind (-A8m collects too often, -A32m faults again;
# -H4k only undoes -H64m). Memory use changes, the output never; given in the environment, not as +RTS arguments,
# because a pandoc built without -rtsopts refuses those but only warns about GHCRTS.
RTS_OPTIONS = "-A16m -H4k"
# one pandoc writing many documents runs long enough that a larger allocation area pays: a third less CPU than
# RTS_OPTIONS there (benchmarks/docx_speed.py)
LONG_RTS_OPTIONS = "-A64m"


def run(args: Sequence[str | Path], *, stdin: bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None) -> bytes:
    """Run pandoc with `args` (and `env` added to the environment); return its stdout. Failure tells the whole story (tools.run)."""
    return tools.run("pandoc", [pandoc_path(), *args], what="pandoc 转换失败", stdin=stdin, cwd=cwd, env={"GHCRTS": RTS_OPTIONS, **(env or {})})


@functools.cache
def _scratch() -> str | None:
    """Where the parts of a document are written for pandoc: memory (/dev/shm) where the system has it, so that
    thousands of documents cost no disk writes (on a busy disk, creating and removing a folder and its files took
    more time than converting); else the usual temporary folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) and not os.path.islink(shm) else None


@contextlib.contextmanager
def _folder_with(texts: Mapping[str, str]) -> Iterator[Path]:
    """A temporary folder (its own, readable by this user only) holding `texts` (relative name -> text), removed after use:
    in memory where there is room, else in the usual temporary folder."""
    bases = [_scratch(), None] if _scratch() else [None]
    for attempt, base in enumerate(bases, 1):
        try:
            folder = Path(tempfile.mkdtemp(prefix="sqmy-pandoc-", dir=base))
        except OSError:
            if attempt == len(bases):
                raise
            continue
        try:
            try:
                for name, text in texts.items():
                    path = folder / name
                    path.parent.mkdir(exist_ok=True)
                    path.write_text(text, "utf-8")
            except OSError:  # no room left there
                if attempt == len(bases):
                    raise
                continue
            yield folder
            return
        finally:
            shutil.rmtree(folder, ignore_errors=True)


# Pandoc Markdown as sqmy writes documents, without what would let text take control of one: a metadata
# block (title, author, or any other property), raw HTML and TeX, fenced divs and bracketed spans (whose
# custom-style picks a Word style), HTML divs and spans, figures (an image would be read) and identifiers.
_NEVER = ("yaml_metadata_block", "pandoc_title_block", "mmd_title_block", "raw_html", "raw_tex", "fenced_divs",
          "bracketed_spans", "native_divs", "native_spans", "implicit_figures", "auto_identifiers")
DOCUMENT = "markdown-smart+east_asian_line_breaks" + "".join(f"-{x}" for x in _NEVER)
FILTER = Path(__file__).with_name("rawguard.lua")


def markdown_to_docx(parts: Sequence[str], reference_doc: Path, nonce: str) -> bytes:
    """Pandoc Markdown in `parts` (ooxml.split) as one Word file laid out by `reference_doc`.

    Each part is a file pandoc reads on its own (--file-scope): an item's body cannot reach the
    parts around it. pandoc runs in its sandbox (it reads no file and no address besides the ones
    named here) and through rawguard.lua, which keeps only the raw blocks marked with `nonce`.
    """
    names = [f"{n}.md" for n in range(len(parts))]
    with _folder_with(dict(zip(names, parts, strict=True))) as tmp:
        args: list[str | Path] = ["--sandbox", "--file-scope", "--from", DOCUMENT, "--to", "docx", "--reference-doc", reference_doc.resolve(),
                                  "--lua-filter", FILTER, "--output", "-", *names]
        return run(args, cwd=tmp, env={"SQMY_RAW_NONCE": nonce})


END_FORMAT = "sqmyend"  # the raw block that ends one document when pandoc reads several (read_many, rawguard.lua)
# where pandoc keeps the identifier of each element it prefixes when reading several files (Attr's place in "c")
_ATTR_AT = {"CodeBlock": 0, "Header": 1, "Table": 0, "Div": 0, "Code": 0, "Link": 0, "Image": 0, "Span": 0}
# the prefix pandoc gives those identifiers for a file named by numbers ("0.md", "17/2.md"): its identifier
# rules drop leading characters other than letters, so whatever the numbers, only "md" is left
_PART_PREFIX = "md__"


class BatchMismatch(ValueError):
    """What pandoc read for several documents at once is not what each would have given alone."""


def read_many(documents: Sequence[Sequence[str]], nonce: str) -> list[bytes]:
    """Several documents, each as its parts (ooxml.split), read by one pandoc: for each, the Pandoc AST (JSON) that
    `markdown_to_docx` makes its Word file from, to be written by `json_to_docx`.

    Nothing is read differently from `markdown_to_docx`: every part is a file of its own (--file-scope), in the
    sandbox and through rawguard.lua with the same nonce, so an item's body reaches neither the rest of its document
    nor another document. After each document's parts comes a file holding only a raw block of the format
    END_FORMAT carrying the mark, and the blocks are cut there: rawguard keeps such a block only when it carries
    the mark, so no item text can end a document early. When pandoc reads several files it prefixes each file's
    identifiers with its name; parts are named by numbers, in a folder per document, so a document of several
    parts gets the same prefix as read alone ("md__"), and a document of one part, which read alone gets none,
    has it taken off again. Anything unexpected raises BatchMismatch, and the caller converts one by one.
    """
    mark = f"<!--{nonce}-->"
    end = f"```{{={END_FORMAT}}}\n{mark}\n```\n"
    texts = {f"{d}/{n}.md": text for d, parts in enumerate(documents) for n, text in enumerate([*parts, end])}
    with _folder_with(texts) as tmp:
        args: list[str | Path] = ["--sandbox", "--file-scope", "--from", DOCUMENT, "--to", "json", "--lua-filter", FILTER, "--output", "-", *texts]
        ast = json.loads(run(args, cwd=tmp, env={"SQMY_RAW_NONCE": nonce, "GHCRTS": LONG_RTS_OPTIONS}))
    if not isinstance(ast, dict) or ast.get("meta") != {} or not isinstance(ast.get("blocks"), list) or "pandoc-api-version" not in ast:
        raise BatchMismatch("pandoc 读出的文档带有元数据或格式不对")
    version = ast["pandoc-api-version"]
    out: list[bytes] = []
    blocks: list[object] = []
    for block in ast["blocks"]:
        if block == {"t": "RawBlock", "c": [END_FORMAT, mark]}:
            if len(out) < len(documents) and len(documents[len(out)]) == 1:
                _unprefix(blocks)
            out.append(json.dumps({"pandoc-api-version": version, "meta": {}, "blocks": blocks}, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            blocks = []
        else:
            blocks.append(block)
    if len(out) != len(documents) or blocks:
        raise BatchMismatch(f"pandoc 读出 {len(out)} 份文档，应为 {len(documents)} 份")
    return out


def _unprefix(node: object) -> None:
    """Take the prefix pandoc gave identifiers for reading several files off every identifier in `node`."""
    if isinstance(node, list):
        for child in node:
            _unprefix(child)
    elif isinstance(node, dict):
        content = node.get("c")
        at = _ATTR_AT.get(node.get("t", ""))
        if at is not None and isinstance(content, list) and len(content) > at and isinstance(content[at], list) and content[at]:
            ident = content[at][0]
            if ident:
                if not (isinstance(ident, str) and ident.startswith(_PART_PREFIX)):
                    raise BatchMismatch(f"标识符“{ident}”没有预期的前缀")
                content[at][0] = ident[len(_PART_PREFIX):]
        _unprefix(content)


def json_to_docx(ast: bytes, reference_doc: Path) -> bytes:
    """One document read by `read_many` as a Word file laid out by `reference_doc`; pandoc runs in its sandbox
    and reads nothing but the document (on its standard input) and the reference document."""
    args: list[str | Path] = ["--sandbox", "--from", "json", "--to", "docx", "--reference-doc", reference_doc.resolve(), "--output", "-"]
    return run(args, stdin=ast)


WRITER = Path(__file__).with_name("writemany.lua")


def write_many(asts: Sequence[bytes], reference_doc: Path) -> list[bytes]:
    """Each of `asts` (read_many) as `json_to_docx` writes it, byte for byte, all by one pandoc (writemany.lua):
    a pandoc started once instead of once a document saves a third of the CPU time a document costs.

    The Lua filter's writer is outside pandoc's sandbox, so it refuses an image (which would be read from a file
    or an address: read_many's filter never lets one through); and the writer is told it is 1970, as the
    sandboxed one is (its documents carry that date, whatever SOURCE_DATE_EPOCH says). Any failure, or a
    missing file, raises: the caller then writes each document alone.
    """
    texts = {f"{n}.json": ast.decode("utf-8") for n, ast in enumerate(asts)}
    with _folder_with(texts) as tmp:
        env = {"SQMY_WRITE_COUNT": str(len(asts)), "SQMY_REFERENCE_DOC": str(reference_doc.resolve()), "SOURCE_DATE_EPOCH": "0",
               "GHCRTS": LONG_RTS_OPTIONS}
        run(["--sandbox", "--from", "markdown", "--to", "plain", "--lua-filter", WRITER, "--output", os.devnull], stdin=b"", cwd=tmp, env=env)
        return [(tmp / f"{n}.docx").read_bytes() for n in range(len(asts))]


def docx_to_markdown(path: Path) -> str:
    """A Word file as Markdown (CommonMark with pipe tables), for `sqmy import`; pandoc reads nothing else."""
    out = run(["--sandbox", "--from", "docx", "--to", "commonmark_x-smart", "--wrap", "none", path])
    return out.decode("utf-8")
