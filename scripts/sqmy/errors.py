"""One exception type for everything a user can get wrong; exit codes in one place."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3  # a defect of sqmy itself


class SqmyError(Exception):
    """A problem to show the user in Chinese, without a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
