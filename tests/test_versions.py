"""A path's version at a commit, from the changes the audit read, is what Git says it is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqmy import lineage
from sqmy.gitio import Git
from sqmy.lineage import Registries
from sqmy.versions import Versions

from .conftest import REPO, TODAY
from .gitoffice import Office


def compare(root: Path, since: str | None = None) -> tuple[int, int]:
    """Every parent of every merge, with every file any commit changed: the resolver against `cat-file`.
    Returns (questions answered from the history, questions left to Git)."""
    with Git(root) as git:
        history = lineage.read(git, Registries(git), since, "HEAD")
        changes = history.changes
        paths = sorted({ch.path for found in changes.values() for ch in found})
        versions = Versions(history, changes)
        questions = [(p, path) for c in history.commits if c.is_merge for p in c.parents for path in paths]
        truth = git.lookup([f"{p}:{path}" for p, path in questions])
        answered = left = 0
        for p, path in questions:
            blob = versions.blob(p, path)
            if blob is None:
                left += 1
                continue
            answered += 1
            assert blob == truth.get(f"{p}:{path}", ("",))[0], (p, path)
        return answered, left


def test_a_generated_office(tmp_path: Path) -> None:
    """`sqmy demo`: branches that lag main, merges of main into a branch, several reviewers."""
    out = tmp_path / "office"
    done = subprocess.run([sys.executable, "-m", "sqmy", "--root", str(REPO), "demo", "--items", "80", "--seed", "5", "--out", str(out)],
                          env={"SQMY_TODAY": TODAY, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    answered, left = compare(out)
    assert answered > 1000
    assert left == 0


def test_hostile_shapes_are_left_to_git(git_office: Office) -> None:
    """A path that is a folder at some commit, and a range that does not start at a root: Git answers those."""
    o = git_office
    item = o.new_item()
    o.git("checkout", "-q", "-b", "side")
    path = o.path(item)
    path.unlink()
    path.mkdir()
    (path / "x.md").write_text("folder where an item was\n", "utf-8")
    o.commit_all("zhang-wei", "一个与信息同名的文件夹")
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并", "side")
    answered, left = compare(o.root)  # every answer given equals Git's (asserted inside)
    assert answered > 0
    assert left > 0  # the folder's path
    first = o.git("rev-list", "--max-parents=0", "HEAD").split()[0]
    _, left_since = compare(o.root, since=first)  # a range after a root: what it never changed is not known absent
    assert left_since > left


def test_a_rollback_hidden_behind_a_merge_inside_the_branch_is_still_seen(git_office: Office) -> None:
    """A member's branch takes main in with `-s ours` (its own, unreviewed text wins), and main then merges the
    branch: the merge's parents' versions come from the resolver, and they must make the audit see the rollback."""
    o = git_office
    item = o.new_item()
    o.git("branch", "side")
    assert o.review("li-chu", item, "初审", "通过").exit_code == 0
    assert o.review("zhao-fu", item, "复审", "通过").exit_code == 0
    assert o.review("chen-shen", item, "审定", "通过", "--route", "转办").exit_code == 0
    o.git("checkout", "-q", "side")
    path = o.path(item)
    path.write_text(path.read_text("utf-8").replace("停车", "停放车辆"), "utf-8")
    o.commit_all("zhang-wei", "改写")
    with o.acting("zhang-wei"):
        o.git("merge", "-q", "-s", "ours", "-m", "并入主线（保留本分支）", "main")
    o.git("checkout", "-q", "main")
    with o.acting("li-chu"):
        o.git("merge", "-q", "--no-ff", "-m", "合并", "side")
    assert "reviews" not in o.data(item)  # the reviews are gone from main
    answered, _ = compare(o.root)  # every answer the resolver gives is Git's
    assert answered > 0
    rules = {v["rule"] for v in o.audit()}
    assert rules & {"merge-rollback", "review-edited", "merge-edit"}, rules
