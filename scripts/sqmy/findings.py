"""Findings as data: every check yields them, one printer writes them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"
_SEVERITY_LABEL = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True, order=True)
class Finding:
    path: str  # as shown to the user, POSIX separators
    line: int  # 1-based
    severity: str
    rule: str
    message: str
    field: str | None = None

    def text(self) -> str:
        return f"{self.path}:{self.line}: {_SEVERITY_LABEL[self.severity]}：{self.message}"


def error(path: str, line: int, rule: str, message: str, field: str | None = None) -> Finding:
    return Finding(path, line, ERROR, rule, message, field)


def warning(path: str, line: int, rule: str, message: str, field: str | None = None) -> Finding:
    return Finding(path, line, WARNING, rule, message, field)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


def to_json(findings: Iterable[Finding]) -> str:
    return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2)
