"""Golden files: generated pages and documents compared with copies kept in tests/golden/.

A change in what sqmy generates shows in review as a change of these files.
`SQMY_UPDATE_GOLDEN=1 python3 scripts/dev.py test -k golden` rewrites them
(read the diff before committing it); otherwise a difference fails the test
with a unified diff of the first lines that differ.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def updating() -> bool:
    return bool(os.environ.get("SQMY_UPDATE_GOLDEN"))


def check(name: str, actual: str, limit: int = 60) -> None:
    """`actual` must equal tests/golden/`name` (rewritten instead when SQMY_UPDATE_GOLDEN is set)."""
    path = GOLDEN / name
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, "utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"no golden copy {path.relative_to(GOLDEN.parent)}: run with SQMY_UPDATE_GOLDEN=1 and review it")
    expected = path.read_text("utf-8")
    if actual != expected:
        diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), f"golden/{name}", "generated", lineterm=""))
        shown = "\n".join(diff[:limit]) + (f"\n… {len(diff) - limit} more diff lines" if len(diff) > limit else "")
        pytest.fail(f"generated output differs from golden/{name} (SQMY_UPDATE_GOLDEN=1 rewrites it):\n{shown}")


def names(folder: str) -> set[str]:
    """The golden files kept under tests/golden/`folder`, relative to it."""
    root = GOLDEN / folder
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.exists() else set()
