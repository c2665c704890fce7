"""Git, through one door: every call reports command, exit code and stderr on failure.

History is read in one `git log` pass and blobs through one persistent
`git cat-file --batch` process (GitPython's), never a process per commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import git

from . import tools
from .errors import SqmyError, ToolFailed

T = TypeVar("T")

_RS, _US, _GS = "\x1e", "\x1f", "\x1d"  # record, unit and group separators


GIT_FAILED = "git 命令失败"


def _fail(exc: git.GitCommandError) -> ToolFailed:
    command = [str(part) for part in exc.command] if isinstance(exc.command, (list, tuple)) else str(exc.command).split()
    stderr = (exc.stderr or "").strip().removeprefix("stderr: ").strip("'\n ")
    status = exc.status if isinstance(exc.status, int) else None
    return ToolFailed("git", command, status, stderr or str(exc.status or ""), GIT_FAILED)


REGULAR_MODES = frozenset({"100644", "100755"})


@dataclass(frozen=True)
class Change:
    """One file changed by a commit: blob ids ('' when absent) and modes ('000000' when absent)."""

    path: str
    old: str
    new: str
    status: str  # A, M, D, T (or a combined status for merges)
    old_mode: str = "100644"
    new_mode: str = "100644"

    @property
    def regular(self) -> bool:
        """Whether the new version is a plain file (not a symbolic link or a submodule)."""
        return not self.new or self.new_mode in REGULAR_MODES


@dataclass(frozen=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: dt.date  # in the author's own time zone
    committer_email: str
    committer_date: dt.date  # in the committer's own time zone: when the commit was made (a claim)
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
        # history as it is stored: a local `git replace` must not show the audit other commits
        self.repo.git.update_environment(GIT_NO_REPLACE_OBJECTS="1")
        self.root = root

    def close(self) -> None:
        """End the persistent git processes (cat-file) this object started."""
        self.repo.close()

    def __enter__(self) -> Git:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def init(cls, root: Path) -> Git:
        """A new repository at `root` whose branch is main."""
        git.Repo.init(root, initial_branch="main")
        return cls(root)

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

    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == "true"

    def resolve(self, rev: str) -> str:
        return self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        """`ancestor` is `rev` or one of its ancestors (False also when either is unknown)."""
        try:
            self.run("merge-base", "--is-ancestor", ancestor, rev)
        except SqmyError:
            return False
        return True

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

    @contextlib.contextmanager
    def fast_import(self) -> Iterator[IO[bytes]]:
        """A stream for `git fast-import`; the import is checked when the block ends."""
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"], cwd=self.root, stdin=subprocess.PIPE, stderr=errors
        ) as proc:
            assert proc.stdin is not None
            try:
                yield proc.stdin
                proc.stdin.write(b"done\n")
            finally:
                proc.stdin.close()
                code = proc.wait()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        if code != 0:
            raise ToolFailed("git", ["git", "fast-import"], code, stderr, GIT_FAILED)

    # --- reading history ----------------------------------------------------------

    def log(self, revs: Sequence[str]) -> list[Commit]:
        """Commits of `revs`, oldest first (parents before children), in one pass; no file changes.

        Fields are separated by NUL, which no name, address or message can
        contain: a commit message cannot forge the fields of another commit.
        """
        fmt = "%x00".join(["%H", "%P", "%an", "%ae", "%as", "%ce", "%cs", "%s", "%(trailers:only,unfold,separator=%x1d)"]) + "%x00"
        out = self.run("log", "--reverse", "--topo-order", "--no-color", f"--format={fmt}", *revs)
        return list(_parse_log(out))

    def changes(self, shas: Sequence[str], jobs: int = 1) -> dict[str, tuple[Change, ...]]:
        """Files each commit changed (merges: against their first parent; root commits: every file).

        Tree diffs are the slow part of reading a long history, so they run in
        `jobs` `git diff-tree --stdin` processes side by side (_in_shares).
        """
        found: dict[str, tuple[Change, ...]] = {}
        for out in _in_shares(shas, jobs, lambda share: self.run(
                "diff-tree", "--stdin", "--root", "-r", "-z", "--raw", "--no-abbrev", "--no-renames", "--diff-merges=first-parent",
                stdin="\n".join(share) + "\n")):
            found.update(_parse_diff_tree(out))
        return found

    def object_id(self, rev_path: str) -> str:
        """The blob id of `REV:PATH` ('' when the path is absent there)."""
        try:
            sha, _, _ = self.repo.git.get_object_header(rev_path)
        except (git.GitCommandError, ValueError):
            return ""
        return sha.decode() if isinstance(sha, bytes) else str(sha)

    def object_size(self, sha: str) -> int:
        """The size in bytes of object `sha` (0 when absent)."""
        try:
            _, _, size = self.repo.git.get_object_header(sha)
        except (git.GitCommandError, ValueError):
            return 0
        return int(size)

    def contents(self, shas: Sequence[str], jobs: int = 1) -> dict[str, bytes]:
        """The raw contents of many objects (blobs, commits), in `jobs` `git cat-file --batch` processes (_in_shares)."""
        if not shas:
            return {}
        found: dict[str, bytes] = {}
        for out in _in_shares(shas, jobs, lambda share: tools.run(
                "git", ["git", "cat-file", "--batch"], what=GIT_FAILED, stdin=("\n".join(share) + "\n").encode(), cwd=self.root,
                env={"GIT_NO_REPLACE_OBJECTS": "1"})):
            at = 0
            while at < len(out):
                end = out.index(b"\n", at)
                header = out[at:end].split(b" ")
                at = end + 1
                if len(header) == 3 and header[2].isdigit():
                    size = int(header[2])
                    found[header[0].decode()] = out[at : at + size]
                    at += size + 1
        return found

    def lookup(self, names: Sequence[str]) -> dict[str, tuple[str, str, int]]:
        """For each `REV:PATH` or object id: (object id, type, size), in one process; absent names are left out."""
        if not names:
            return {}
        out = self.run("cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)", "--buffer", "-z", stdin="\0".join(names) + "\0")
        lines = iter(out.split("\n"))
        found: dict[str, tuple[str, str, int]] = {}
        for name in names:
            line = next(lines, "")
            match = _FOUND.fullmatch(line)
            if match:
                found[name] = (match.group(1), match.group(2), int(match.group(3)))
            else:  # "<name> missing": the name is echoed, newlines and all
                for _ in range(name.count("\n")):
                    next(lines, "")
        return found

    def committer_dates(self, shas: Sequence[str]) -> dict[str, dt.date]:
        """The committer date of each commit, in one process."""
        if not shas:
            return {}
        out = self.run("log", "--no-walk=unsorted", "--stdin", "--format=%H %cs", stdin="\n".join(shas) + "\n")
        found = {}
        for line in out.splitlines():
            sha, _, day = line.partition(" ")
            found[sha] = _day(day)
        return found

    def object_type(self, rev_path: str) -> str:
        """'blob', 'tree', 'commit' … of `REV:PATH` ('' when absent)."""
        try:
            _, kind, _ = self.repo.git.get_object_header(rev_path)
        except (git.GitCommandError, ValueError):
            return ""
        return kind.decode() if isinstance(kind, bytes) else str(kind)

    def tree_entries(self, rev_path: str) -> dict[str, tuple[str, str]]:
        """name -> (mode, object id) of the tree at `REV:PATH` (empty when absent or not a folder)."""
        tree = self.object_id(rev_path)
        if not tree or self.object_type(tree) != "tree":
            return {}
        out = self.run("ls-tree", "-z", tree)
        found = {}
        for record in out.split("\0"):
            meta, sep, name = record.partition("\t")
            if sep:
                mode, _, sha = meta.split(" ", 2)
                found[name] = (mode, sha)
        return found

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


def _in_shares(names: Sequence[str], jobs: int, read: Callable[[Sequence[str]], T]) -> list[T]:
    """`read` of `names` in `jobs` processes side by side, each given a contiguous share, results in order.

    Contiguous, not interleaved: neighbouring commits share most of their trees and
    neighbouring versions are deltas of each other, which git's delta cache then
    inflates once per process (interleaved shares of a long history cost 15% more
    to diff, and reading one file's versions apart from the others' 4x more).
    """
    jobs = max(min(jobs, len(names)), 1)
    shares = [names[i * len(names) // jobs : (i + 1) * len(names) // jobs] for i in range(jobs)]
    if jobs == 1:
        return [read(names)]
    with ThreadPoolExecutor(jobs) as pool:  # the processes do the work: threads only wait for them
        return list(pool.map(read, shares))


def _parse_trailers(text: str) -> dict[str, str]:
    trailers: dict[str, str] = {}
    for part in text.split(_GS):
        key, sep, value = part.partition(":")
        if sep and key.strip():
            trailers[key.strip()] = value.strip()
    return trailers


_LOG_FIELDS = 9
_FOUND = re.compile(r"([0-9a-f]{40,64}) (blob|tree|commit|tag) ([0-9]+)")


def _parse_log(out: str) -> Iterator[Commit]:
    fields = out.split("\0")
    for start in range(0, len(fields) - _LOG_FIELDS + 1, _LOG_FIELDS):
        sha, parents, an, ae, ad, ce, cd, subject, trailers = fields[start : start + _LOG_FIELDS]
        yield Commit(
            sha=sha.strip(), parents=tuple(parents.split()), author_name=an, author_email=ae,
            author_date=_day(ad), committer_email=ce, committer_date=_day(cd),
            subject=subject, trailers=_parse_trailers(trailers),
        )


def _day(text: str) -> dt.date:
    """A commit's date; a date git cannot express (a corrupt object) reads as the earliest day."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.date.min


_NULL_SHA = "0" * 40


def _parse_diff_tree(out: str) -> Iterator[tuple[str, tuple[Change, ...]]]:
    """`diff-tree --stdin -z --raw` output: a commit id, then a meta field and a path per changed file."""
    sha = ""
    changes: list[Change] = []
    tokens = iter(out.split("\0"))
    for token in tokens:
        if token.startswith(":"):
            path = next(tokens, "")
            old_mode, new_mode, old, new, status = token[1:].split(" ", 4)
            changes.append(Change(path, "" if old == _NULL_SHA else old, "" if new == _NULL_SHA else new, status, old_mode, new_mode))
        elif token.strip():
            if sha:
                yield sha, tuple(changes)
            sha, changes = token.strip(), []
    if sha:
        yield sha, tuple(changes)
