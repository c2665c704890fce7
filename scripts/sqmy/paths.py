"""Where the office repository is, and how paths are shown to people."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SqmyError

MARKER = Path("units") / "office.yml"


@dataclass(frozen=True)
class Repo:
    """An office repository: items and history under `root`.

    `rules` names a trusted checkout (the base branch) whose registry and
    templates are used instead of the ones under `root`: the required check
    and the review bridge read a pull request's files as data only.
    """

    root: Path
    rules: Path | None = None
    # computed once: these run for every file of a large office
    _root_prefix: str = field(init=False, repr=False, compare=False)
    _cwd_prefix: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_root_prefix", str(self.root.resolve()) + os.sep)
        object.__setattr__(self, "_cwd_prefix", str(Path.cwd()) + os.sep)

    @property
    def items_dir(self) -> Path:
        return self.root / "items"

    @property
    def rules_root(self) -> Path:
        """Where the registry (units/) and the templates come from."""
        return self.rules if self.rules is not None else self.root

    @property
    def units_dir(self) -> Path:
        return self.rules_root / "units"

    @property
    def templates_dir(self) -> Path:
        return self.rules_root / "templates"

    def display(self, path: Path) -> str:
        """The path as the user would type it: relative to the working directory when inside it."""
        text = str(path)
        if not path.is_absolute():
            return path.as_posix()
        if text.startswith(self._cwd_prefix):
            return text[len(self._cwd_prefix):].replace(os.sep, "/")
        absolute = path
        try:
            return absolute.relative_to(Path.cwd()).as_posix()
        except ValueError:
            try:
                return absolute.relative_to(self.root).as_posix()
            except ValueError:
                return absolute.as_posix()

    def relative(self, path: Path) -> str | None:
        """POSIX path inside the repository, or None when outside it."""
        text = str(path)
        if text.startswith(self._root_prefix) and ".." not in text:
            return text[len(self._root_prefix):].replace(os.sep, "/")
        absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
        try:
            return absolute.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None


def find_repo(start: str | os.PathLike[str] | None = None, rules: str | os.PathLike[str] | None = None) -> Repo:
    """The office repository containing `start` (default: SQMY_ROOT or the working directory).

    `rules` (default: SQMY_RULES_FROM) is a trusted checkout whose registry and
    templates are used; then `start` needs no registry of its own.
    """
    if start is None:
        start = os.environ.get("SQMY_ROOT") or Path.cwd()
    if rules is None:
        rules = os.environ.get("SQMY_RULES_FROM") or None
    trusted = Path(rules).resolve() if rules is not None else None
    if trusted is not None and not (trusted / MARKER).is_file():
        raise SqmyError(f"受信任的名册目录 {trusted} 中没有 units/office.yml（--rules-from 应指向基准分支的检出）")
    here = Path(start).resolve()
    for candidate in (here, *here.parents):
        if (candidate / MARKER).is_file() or (trusted is not None and (candidate / ".git").exists()):
            return Repo(candidate, trusted)
    raise SqmyError(
        f"找不到信息库：{here} 及其上级目录中都没有 units/office.yml。"
        "请在信息库目录中运行，或用 --root 指定信息库位置。"
    )
