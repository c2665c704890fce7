"""What day it is: `SQMY_TODAY` (YYYY-MM-DD) pins it for tests and reports."""

from __future__ import annotations

import datetime as dt
import os

from .errors import SqmyError


def today() -> dt.date:
    pinned = os.environ.get("SQMY_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise SqmyError(f"环境变量 SQMY_TODAY 的值“{pinned}”不是 YYYY-MM-DD 格式的日期") from None
    return dt.date.today()
