"""Working days for the publication deadline of results (20 working days after completion).

PLACEHOLDER — plain weekdays. The official calendar (法定节假日 and the make-up working
weekends of 调休) is to be kept in site_config by a later change; when it lands,
:func:`working_days_after` must count with it and this placeholder goes. Until then a
span that crosses a public holiday counts the holiday as a working day (so lateness is
overstated there) and a 调休 Saturday as a rest day.
"""

from __future__ import annotations

import datetime as dt

PUBLICATION_DEADLINE = 20
"""Results are published within 20 working days of the inspection's completion."""

WEEKDAYS_PLACEHOLDER = True
"""True while working days are plain Monday-to-Friday (see the module docstring)."""


def working_days_after(start: dt.date, end: dt.date) -> int:
    """Working days d with start < d <= end (0 when end is not after start).

    PLACEHOLDER: Monday to Friday, no holiday calendar yet.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def days_late(completed_on: str, published_on: str) -> int:
    """Working days past the deadline (0 when published in time)."""
    used = working_days_after(
        dt.date.fromisoformat(completed_on), dt.date.fromisoformat(published_on)
    )
    return max(0, used - PUBLICATION_DEADLINE)
