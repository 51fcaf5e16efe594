"""The day gongkai works as of: China's date, or the date in ``GONGKAI_TODAY``.

What the site shows depends on the day it is built: the home page's overdue items,
the countdowns to announced draws, the root's expiry. ``gongkai build --today DATE``
(or ``GONGKAI_TODAY=YYYY-MM-DD``) builds the site as of another day, for a reproducible
build or a test; otherwise it is today in China (+08:00), whatever the machine's zone.
The same day is the default of ``gongkai verify --at``, ``gongkai check --today`` and
``gongkai deadlines --today``.
"""

from __future__ import annotations

import datetime as dt
import os

from .errors import GongkaiError

ENV_TODAY = "GONGKAI_TODAY"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def today() -> dt.date:
    """The day the site is built as of."""
    fixed = os.environ.get(ENV_TODAY)
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise GongkaiError(
                f"{ENV_TODAY} 不是日期 / {ENV_TODAY} is not a date (got {fixed!r}, expected YYYY-MM-DD)"
            ) from None
    return dt.datetime.now(BEIJING).date()


def now() -> dt.datetime:
    """The moment the site is built as of: now in China, or midnight (+08:00) of the
    fixed day."""
    if os.environ.get(ENV_TODAY):
        return dt.datetime.combine(today(), dt.time(), BEIJING)
    return dt.datetime.now(BEIJING)
