"""What an office gets without writing it: sqmy's own item template, Word templates and styles, and the new office.

An office overrides one of these files by putting a file of the same name at the
same place under its rules root (`templates/item.md.j2`, `templates/docx/…`), the
way a mkdocs-material theme is overridden: the office's file wins, the package's
is used otherwise. `office/` is what `sqmy init` writes into a new repository.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

FOLDER = Path(__file__).parent
SHOWN = "sqmy/defaults"  # how a package default is named to the user (the office's own file is named by its path)


class Chosen(NamedTuple):
    path: Path
    shown: str  # the name the user knows it by: the office's path, or sqmy/defaults/…
    own: bool  # the office's own file


def choose(rules_root: Path, relative: Path) -> Chosen:
    """The file to use for `relative` (e.g. templates/item.md.j2) and its name as shown to the user.

    The office's file is chosen whenever something is there under that name (even a broken link or a
    folder): reading it then fails with the office's own file named, never silently falls back.
    """
    office = rules_root / relative
    if os.path.lexists(office):
        return Chosen(office, relative.as_posix(), True)
    inside = Path(*relative.parts[1:]) if relative.parts[:1] == ("templates",) else relative
    return Chosen(FOLDER / inside, f"{SHOWN}/{inside.as_posix()}", False)
