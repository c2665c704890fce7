"""pandoc, through one door: every call reports command, exit code and stderr on failure.

pypandoc provides the pandoc binary (pypandoc-binary ships it, so no system
pandoc is needed) and tells where it is; the process itself is run here so that
a failure names the exact command and what pandoc said, and so that several
documents can be converted at once from threads.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Sequence
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


def run(args: Sequence[str | Path], *, stdin: bytes | None = None, cwd: Path | None = None, env: dict[str, str] | None = None) -> bytes:
    """Run pandoc with `args` (and `env` added to the environment); return its stdout. Failure tells the whole story (tools.run)."""
    return tools.run("pandoc", [pandoc_path(), *args], what="pandoc 转换失败", stdin=stdin, cwd=cwd, env=env)


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
    with tempfile.TemporaryDirectory(prefix="sqmy-pandoc-") as tmp:
        names = []
        for n, text in enumerate(parts):
            names.append(f"{n}.md")
            (Path(tmp) / names[-1]).write_text(text, "utf-8")
        args: list[str | Path] = ["--sandbox", "--file-scope", "--from", DOCUMENT, "--to", "docx", "--reference-doc", reference_doc.resolve(),
                                  "--lua-filter", FILTER, "--output", "-", *names]
        return run(args, cwd=Path(tmp), env={"SQMY_RAW_NONCE": nonce})


def docx_to_markdown(path: Path) -> str:
    """A Word file as Markdown (CommonMark with pipe tables), for `sqmy import`; pandoc reads nothing else."""
    out = run(["--sandbox", "--from", "docx", "--to", "commonmark_x-smart", "--wrap", "none", path])
    return out.decode("utf-8")
