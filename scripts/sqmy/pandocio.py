"""pandoc, through one door: every call reports command, exit code and stderr on failure.

pypandoc provides the pandoc binary (pypandoc-binary ships it, so no system
pandoc is needed) and tells where it is; the process itself is run here so that
a failure names the exact command and what pandoc said, and so that several
documents can be converted at once from threads.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .errors import SqmyError


@functools.cache
def pandoc_path() -> str:
    import pypandoc  # noqa: PLC0415 - only document commands need pandoc

    try:
        return str(pypandoc.get_pandoc_path())
    except OSError as exc:
        raise SqmyError(f"找不到 pandoc：{exc}。请重新安装本项目（pip install -e .），它带有 pandoc。") from None


def run(args: Sequence[str | Path], *, stdin: bytes | None = None, cwd: Path | None = None) -> bytes:
    """Run pandoc with `args`; return its stdout. Failure becomes a SqmyError with the whole story."""
    command = [pandoc_path(), *(str(a) for a in args)]
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, cwd=cwd, check=False)
    except OSError as exc:
        raise SqmyError(f"无法运行 pandoc（{command[0]}）：{exc.strerror or exc}") from None
    if done.returncode != 0:
        shown = " ".join(["pandoc", *command[1:]])
        stderr = done.stderr.decode("utf-8", "replace").strip()
        raise SqmyError(f"pandoc 转换失败（退出码 {done.returncode}）：{shown}\n{stderr}")
    return done.stdout


def markdown_to_docx(markdown: str, reference_doc: Path) -> bytes:
    """Pandoc Markdown (with raw OpenXML blocks) as a Word file laid out by `reference_doc`."""
    args: list[str | Path] = ["--from", "markdown-smart+east_asian_line_breaks", "--to", "docx", "--reference-doc", reference_doc, "--output", "-"]
    return run(args, stdin=markdown.encode("utf-8"))


def docx_to_markdown(path: Path) -> str:
    """A Word file as Markdown (CommonMark with pipe tables), for `sqmy import`."""
    out = run(["--from", "docx", "--to", "commonmark_x-smart", "--wrap", "none", path])
    return out.decode("utf-8")
