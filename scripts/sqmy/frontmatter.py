"""Editing an item's front matter as text, so that what people typed stays as typed.

The tool never re-dumps the YAML: it appends one line to a list (a review, an
adoption …) or replaces one top-level key, and leaves every other byte alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from .errors import SqmyError

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):(.*)$")
_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9][^,\[\]{}#:]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value: object) -> str:
    """One YAML flow scalar, quoted (as JSON, on one line) only when needed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return text  # a date: our loader keeps it as text
    if _PLAIN.match(text) and text.lower() not in _RESERVED and text == text.strip():
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(value: object) -> str:
    """A flow-style YAML value: {k: v, …}, [a, b] or a scalar."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items() if v is not None and v not in ([], ())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


class FrontMatter:
    """The lines of one item file, with its front matter located."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        if not self.lines or self.lines[0].rstrip() != "---":
            raise SqmyError("文件没有以“---”开头，无法修改元数据")
        end = next((i for i in range(1, len(self.lines)) if self.lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            raise SqmyError("元数据没有结束标记“---”，无法修改")
        self.end: int = end

    def text(self) -> str:
        return "\n".join(self.lines)

    def _find(self, key: str) -> int | None:
        for i in range(1, self.end):
            match = _KEY.match(self.lines[i])
            if match and match.group(1) == key:
                return i
        return None

    def _block_end(self, start: int) -> int:
        """Index after the last line belonging to the key at `start`."""
        last = start
        for i in range(start + 1, self.end):
            line = self.lines[i]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" or line.startswith("- "):
                last = i
                continue
            break
        return last + 1

    def append(self, key: str, entry: Mapping[str, object], before: Sequence[str] = ()) -> None:
        """Append `entry` to the list under top-level `key`, creating the key if needed.

        A new key goes before the first of `before` present, else at the end.
        """
        line = "  - " + flow(entry)
        at = self._find(key)
        if at is None:
            where = next((i for k in before if (i := self._find(k)) is not None), self.end)
            self.lines[where:where] = [f"{key}:", line]
            self.end += 2
            return
        rest = _KEY.match(self.lines[at]).group(2).strip()  # type: ignore[union-attr]
        if rest.startswith("#"):
            rest = ""
        if rest in ("", "[]", "null", "~"):
            if rest:
                self.lines[at] = f"{key}:"
            end = self._block_end(at)
            indent = next(
                (re.match(r"^(\s*)- ", self.lines[i]).group(1) for i in range(at + 1, end) if re.match(r"^\s*- ", self.lines[i])),  # type: ignore[union-attr]
                "  ",
            )
            self.lines.insert(end, indent + line.lstrip())
            self.end += 1
            return
        if rest.startswith("[") and rest.endswith("]"):  # a one-line flow list: append inside it
            self.lines[at] = f"{key}: [{rest[1:-1].strip()}, {flow(entry)}]"
            return
        raise SqmyError(f"字段 {key} 的写法无法自动追加，请改为列表形式")

    def set(self, key: str, value: object, after: Sequence[str] = ()) -> None:
        """Set top-level `key`, replacing its old lines; new keys go after the first of `after` present.

        A list of mappings is written as a block list, one flow mapping a line
        (what the tool appends, so diffs stay one line per record); anything
        else on the key's line.
        """
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines = [f"{key}:", *(f"  - {flow(v)}" for v in value)]
        else:
            lines = [f"{key}: {flow(value)}"]
        at = self._find(key)
        if at is not None:
            end = self._block_end(at)
            self.lines[at:end] = lines
            self.end += len(lines) - (end - at)
            return
        where = self.end
        for k in after:
            found = self._find(k)
            if found is not None:
                where = self._block_end(found)
                break
        self.lines[where:where] = lines
        self.end += len(lines)
