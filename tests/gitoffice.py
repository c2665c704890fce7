"""A real Git repository holding the sample office, and people who act in it."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sqmy.cli import main
from sqmy.frontmatter import FrontMatter
from sqmy.items import content_digest
from sqmy.yamlsrc import decode, load, split_front_matter

PEOPLE = {
    "zhang-wei": ("张薇", "zhang.wei@sample.example"),
    "li-chu": ("李初", "li.chu@sample.example"),  # 初审, 办公室
    "wang-fu": ("王复", "wang.fu@sample.example"),  # 复审 until 2025-06-30
    "zhao-fu": ("赵复", "zhao.fu@sample.example"),  # 复审 and 初审 from 2025-07-01
    "chen-shen": ("陈审", "chen.shen@sample.example"),  # 审定
    "sun-zhuan": ("孙专", "sun.zhuan@sample.example"),  # 专家
    "outsider": ("路人", "outsider@elsewhere.example"),
}


def own_words(seed: str, count: int = 160) -> str:
    """Text of its own for each item (seeded by its id): two reports of the sample office are alike only where a test makes them so (查重)."""
    rng = random.Random(seed)
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(count))


class Office:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.mp = monkeypatch

    def git(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)}: {result.stderr}")
        return result.stdout

    @contextmanager
    def acting(self, person: str) -> Iterator[None]:
        name, email = PEOPLE[person]
        with pytest.MonkeyPatch.context() as mp:
            for who in ("AUTHOR", "COMMITTER"):
                mp.setenv(f"GIT_{who}_NAME", name)
                mp.setenv(f"GIT_{who}_EMAIL", email)
            yield

    def sqmy(self, person: str, *args: str) -> Result:
        with self.acting(person):
            return CliRunner().invoke(main, list(args), catch_exceptions=False)

    def commit_all(self, person: str, message: str) -> str:
        with self.acting(person):
            self.git("add", "-A")
            self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def path(self, item_id: str) -> Path:
        return self.root / "items" / item_id[:4] / f"{item_id}.md"

    def new_item(self, person: str = "zhang-wei", title: str = "关于加强社区停车管理的建议") -> str:
        result = self.sqmy(person, "new", "--title", title, "--author", person, "--category", "社区管理", "--focus", "民之关切", "--source", "群众反映")
        assert result.exit_code == 0, result.output
        path = self.root / result.stdout.strip()
        path.write_text(path.read_text("utf-8").split("---\n", 2)[0] + "---\n" + path.read_text("utf-8").split("---\n", 2)[1] + "---\n"
                        f"城关街道老旧小区停车位不足，车辆乱停乱放。{own_words(path.stem)}\n\n## 意见建议\n\n建议统筹利用边角地增设停车位。\n", "utf-8")
        self.commit_all(person, f"新信息：{title}")
        return path.stem

    def review(self, person: str, item_id: str, stage: str, decision: str, *extra: str) -> Result:
        return self.sqmy(person, "review", item_id, stage, decision, *extra)

    def data(self, item_id: str) -> dict[str, object]:
        split = split_front_matter(decode(self.path(item_id).read_bytes()))
        assert split.front is not None
        data = load(split.front).data
        assert isinstance(data, dict)
        return data

    def digest(self, item_id: str) -> str:
        split = split_front_matter(decode(self.path(item_id).read_bytes()))
        return content_digest(str(self.data(item_id)["title"]), split.body)

    def forge_review(
        self, person: str, item_id: str, entry: Mapping[str, object], *, trailers: bool = True, extra_files: bool = False, forge: str = ""
    ) -> str:
        """What the tool would write, committed without the tool's checks: for the audit to judge."""
        path = self.path(item_id)
        fm = FrontMatter(path.read_text("utf-8"))
        fm.append("reviews", entry, before=("routes", "journal"))
        path.write_text(fm.text(), "utf-8")
        if extra_files:
            (self.root / "notes.txt").write_text("旁注\n", "utf-8")
        lines = [f"{entry['stage']} {entry['decision']}", ""]
        if trailers:
            lines += [f"Review-Item: {item_id}", f"Review-Stage: {entry['stage']}", f"Review-Decision: {entry['decision']}",
                      f"Review-By: {entry['by']}", f"Review-Digest: {entry['digest']}"]
            if forge:
                lines.append(f"Review-Forge: {forge}")
        with self.acting(person):
            self.git("add", "-A")
            self.git("commit", "-q", "-m", "\n".join(lines))
        return self.git("rev-parse", "HEAD").strip()

    def audit(self, *args: str) -> list[dict[str, str]]:
        result = CliRunner().invoke(main, ["audit", "--format", "json", *args], catch_exceptions=False)
        assert result.exit_code in (0, 1), result.output
        found: list[dict[str, str]] = json.loads(result.stdout)
        assert (result.exit_code == 1) == bool(found)
        return found
