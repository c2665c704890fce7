"""Shared fixtures: sample offices copied to a temporary folder, a pinned date."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sqmy.cli import main

from .gitoffice import Office

SAMPLES = Path(__file__).parent / "samples"
REPO = Path(__file__).parent.parent
TODAY = "2026-11-28"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The user's own cache folder (cache key, reference documents) for this run, never the real home."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="sqmy-user-cache-")


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs on the same day, so 'future' and 'overdue' never drift."""
    monkeypatch.setenv("SQMY_TODAY", TODAY)
    monkeypatch.delenv("SQMY_ROOT", raising=False)
    monkeypatch.delenv("SQMY_RULES_FROM", raising=False)


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small valid sample office, as the working directory."""
    root = tmp_path / "office"
    shutil.copytree(SAMPLES / "office", root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def broken_office(office: Path) -> Path:
    """The sample office's registry with one broken item per rule."""
    shutil.rmtree(office / "items")
    shutil.copytree(SAMPLES / "broken" / "items", office / "items")
    return office


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's own demo office, read in place."""
    monkeypatch.chdir(REPO)
    return REPO


Invoke = Callable[..., Result]


@pytest.fixture
def sqmy() -> Invoke:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def git_office(office: Path, monkeypatch: pytest.MonkeyPatch) -> Office:
    """The sample office as a Git repository whose first commit the office made."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # no personal settings leak into tests
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", f"{TODAY}T12:00:00+08:00")
    repo = Office(office, monkeypatch)
    repo.git("init", "-q", "-b", "main")
    (office / ".git" / "info" / "exclude").write_text(".sqmy/\n", "utf-8")  # as a real office's .gitignore: the local cache
    with repo.acting("li-chu"):  # the registry first, in a commit of its own; then the imported records
        repo.git("add", "units", "templates")
        repo.git("commit", "-q", "-m", "建立样本县政协的名册和规则")
    repo.commit_all("li-chu", "导入样本县政协启用 sqmy 前的历史记录")
    return repo


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo office, copied, with its Word documents and both editions built by `sqmy build`."""
    root = tmp_path_factory.mktemp("archive") / "office"
    for name in ("units", "items", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SQMY_TODAY", TODAY)
        for year in ("2025", "2026"):  # as the main job does: the Word files first, which the internal edition links
            result = CliRunner().invoke(main, ["--root", str(root), "docx", "all", "--year", year], catch_exceptions=False)
            assert result.exit_code == 0, result.output
        for audience in ("internal", "public"):
            result = CliRunner().invoke(main, ["--root", str(root), "build", "--audience", audience], catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return root
