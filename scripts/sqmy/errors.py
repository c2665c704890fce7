"""The exceptions a user can meet, and the one table that turns each into an exit code.

Code raises the exception that says what happened; it never picks an exit
code. `exit_code` (used by the command line alone) decides:

- 0: done, or nothing wrong found;
- 1: the request was checked and refused, something asked for does not exist,
  or the work found problems (a finding, a document that could not be made);
- 2: the command cannot run as given: a usage error, a file or repository that
  cannot be read, a tool (git, pandoc, Pagefind) that failed;
- 3: a defect of sqmy itself (any other exception).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3  # a defect of sqmy itself


class SqmyError(Exception):
    """A problem to show the user in Chinese, without a traceback: the command cannot run as given."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(SqmyError):
    """A request checked against the rules and refused; `rule` names the rule (as the audit's rule ids do)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class NotFound(SqmyError):
    """Something asked for by name (an item, an issue) that is not there."""


class Incomplete(SqmyError):
    """Work that was done in part: what failed is in the message, what succeeded was kept."""


class ToolFailed(SqmyError):
    """An outside program (git, pandoc, Pagefind) failed: the message names the command, its exit code and what it said."""

    def __init__(self, tool: str, command: Sequence[str], returncode: int | None, stderr: str, what: str = "") -> None:
        shown = " ".join([tool, *command[1:]]) if command else tool
        if returncode is None:  # it did not start: `stderr` holds why
            message = f"无法运行 {tool}（{command[0] if command else tool}）：{stderr.strip()}"
        else:
            detail = f"\n{stderr.strip()}" if stderr.strip() else ""
            message = f"{what or tool + ' 运行失败'}（退出码 {returncode}）：{shown}{detail}"
        super().__init__(message)
        self.tool, self.command, self.returncode, self.stderr = tool, list(command), returncode, stderr


# the most specific class that matches decides
_EXIT_CODES: tuple[tuple[type[SqmyError], int], ...] = (
    (Refused, EXIT_FINDINGS),
    (NotFound, EXIT_FINDINGS),
    (Incomplete, EXIT_FINDINGS),
    (ToolFailed, EXIT_USAGE),
    (SqmyError, EXIT_USAGE),
)


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that ended with `exc`."""
    for kind, code in _EXIT_CODES:
        if isinstance(exc, kind):
            return code
    return EXIT_INTERNAL
