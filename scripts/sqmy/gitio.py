"""Git, through one door: every call reports command, exit code and stderr on failure.

History is read in one `git log` pass and blobs through one persistent
`git cat-file --batch` process (GitPython's), never a process per commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import git

from .errors import SqmyError

TRAILER_PREFIX = "Review-"
_RS, _US, _GS = "\x1e", "\x1f", "\x1d"


def _fail(exc: git.GitCommandError) -> SqmyError:
    command = " ".join(str(part) for part in exc.command) if isinstance(exc.command, (list, tuple)) else str(exc.command)
    stderr = (exc.stderr or "").strip().removeprefix("stderr: ").strip("'\n ")
    return SqmyError(f"git 命令失败（退出码 {exc.status}）：{command}\n{stderr}")


@dataclass(frozen=True)
class Change:
    """One file changed by a commit: blob ids ('' when absent)."""

    path: str
    old: str
    new: str
    status: str  # A, M, D (or a combined status for merges)


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: dt.date  # in the author's own time zone
    committer_email: str
    subject: str
    trailers: Mapping[str, str]
    changes: tuple[Change, ...] = field(default=())

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True)
class Signature:
    status: str  # %G?: G good, B bad, U good but untrusted, N none, E cannot check...
    signer: str  # %GS: the principal (for SSH, the allowed-signers identity)
    key: str  # %GF


class Git:
    def __init__(self, root: Path) -> None:
        try:
            self.repo = git.Repo(root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise SqmyError(f"{root} 不是 Git 仓库：审核和审计需要在信息库的 Git 仓库中进行") from None
        self.root = root

    def run(self, *args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> str:
        """Output of `git ARGS`; `env` is added to the environment."""
        with tempfile.TemporaryFile() as feed:
            if stdin is not None:
                feed.write(stdin.encode("utf-8"))
                feed.seek(0)
            try:
                out: str = self.repo.git.execute(
                    ["git", *args], env=dict(env) if env else None,
                    istream=feed if stdin is not None else None, strip_newline_in_stdout=False,
                )
            except git.GitCommandError as exc:
                raise _fail(exc) from None
        return out

    # --- identity and state -------------------------------------------------

    def author_email(self) -> str:
        """The email Git will put on the next commit (environment or config)."""
        ident = self.run("var", "GIT_AUTHOR_IDENT").strip()
        start, end = ident.rfind("<"), ident.rfind(">")
        return ident[start + 1 : end] if 0 <= start < end else ""

    def config(self, key: str) -> str | None:
        try:
            value: str = self.repo.git.config("--get", key)
        except git.GitCommandError:
            return None
        return value.strip() or None

    def dirty(self, path: str) -> bool:
        return bool(self.run("status", "--porcelain", "--", path).strip())

    def head(self) -> str | None:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:  # no commit yet
            return None

    def resolve(self, rev: str) -> str:
        return self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()

    # --- writing --------------------------------------------------------------

    def unstage(self, path: str) -> None:
        """Put the index entry of `path` back to HEAD (after a failed commit)."""
        with contextlib.suppress(SqmyError):
            self.run("reset", "--quiet", "--", path)

    def commit_paths(self, paths: Sequence[str], message: str, *, sign: bool = False, env: Mapping[str, str] | None = None) -> str:
        """Commit exactly `paths` (other staged changes stay staged); the new sha."""
        args = ["commit", "--quiet", "--no-verify", "-m", message]
        if sign:
            args.append("-S")
        self.run("add", "--", *paths)
        self.run(*args, "--only", "--", *paths, env=env)
        head = self.head()
        assert head is not None
        return head

    # --- reading history ----------------------------------------------------------

    def log(self, revs: Sequence[str], paths: Sequence[str]) -> list[Commit]:
        """Commits of `revs` touching `paths`, oldest first, with their file changes, in one pass."""
        fmt = _RS + _US.join(["%H", "%P", "%an", "%ae", "%as", "%ce", "%s", "%(trailers:only,unfold,separator=%x1d)"]) + _US
        out = self.run(
            "log", "--reverse", "--topo-order", "--full-history", "--full-diff", "-c", "--raw", "--no-abbrev", "--no-renames",
            "--no-color", f"--format={fmt}", *revs, "--", *paths,
        )
        return list(_parse_log(out))

    def blob(self, sha: str) -> bytes:
        try:
            _, _, _, data = self.repo.git.get_object_data(sha)
        except (git.GitCommandError, ValueError) as exc:
            raise SqmyError(f"无法读取 Git 对象 {sha}：{exc}") from None
        result: bytes = data
        return result

    def signatures(self, shas: Iterable[str], allowed_signers: Path) -> dict[str, Signature]:
        """Signature status of each commit, verified in one process."""
        wanted = list(shas)
        if not wanted:
            return {}
        out = self.run(
            "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}", "log", "--no-walk=unsorted", "--stdin",
            f"--format={_RS}%H{_US}%G?{_US}%GS{_US}%GF", stdin="\n".join(wanted) + "\n",
        )
        found = {}
        for record in out.split(_RS)[1:]:
            sha, status, signer, key = [*record.strip("\n").split(_US), "", "", ""][:4]
            found[sha] = Signature(status, signer, key)
        return found


def _parse_trailers(text: str) -> dict[str, str]:
    trailers: dict[str, str] = {}
    for part in text.split(_GS):
        key, sep, value = part.partition(":")
        if sep and key.strip():
            trailers[key.strip()] = value.strip()
    return trailers


def _parse_log(out: str) -> Iterator[Commit]:
    for record in out.split(_RS)[1:]:
        fields = record.split(_US)
        sha, parents, an, ae, ad, ce, subject, trailers = fields[:8]
        raw = fields[8] if len(fields) > 8 else ""
        changes = []
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            parts = meta.lstrip(":").split()
            n_parents = line.index(next(ch for ch in line if ch != ":"))  # number of leading colons
            shas = parts[n_parents + 1 : 2 * n_parents + 2]
            status = parts[-1]
            old = "" if set(shas[0]) == {"0"} else shas[0]
            new = "" if set(shas[-1]) == {"0"} else shas[-1]
            changes.append(Change(path, old, new, status))
        yield Commit(
            sha=sha, parents=tuple(parents.split()), author_name=an, author_email=ae,
            author_date=dt.date.fromisoformat(ad), committer_email=ce, subject=subject,
            trailers=_parse_trailers(trailers), changes=tuple(changes),
        )
