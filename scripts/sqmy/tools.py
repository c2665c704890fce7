"""Outside programs (git's plumbing, pandoc, Pagefind) run through one door.

Whatever fails is reported the same way (errors.ToolFailed): the command as
run, its exit code and what it wrote to stderr; a program that cannot start
says why. GitPython's own errors become the same exception in gitio.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from .errors import ToolFailed


def run(tool: str, command: Sequence[str | Path], *, what: str = "", stdin: bytes | None = None, cwd: Path | None = None,
        env: Mapping[str, str] | None = None) -> bytes:
    """Run `command` (`tool` names it to the user; `env` is added to the environment) and return its stdout."""
    args = [str(a) for a in command]
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, cwd=cwd, env={**os.environ, **env} if env else None, check=False)
    except OSError as exc:
        raise ToolFailed(tool, args, None, exc.strerror or str(exc), what) from None
    if done.returncode != 0:
        raise ToolFailed(tool, args, done.returncode, (done.stderr or done.stdout).decode("utf-8", "replace"), what)
    return done.stdout
