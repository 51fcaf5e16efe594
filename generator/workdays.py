"""The official working-day calendar: weekdays, minus the holidays, plus the 调休 weekends.

China's working days follow the State Council General Office's notice for each year
(国务院办公厅关于某年部分节假日安排的通知, 国办发明电): the days off of the statutory
holidays, some of which fall on weekdays, and the weekend days worked in exchange
(调休上班). A day is a working day when the notice names it a make-up working day, or
when it is Monday to Friday and the notice does not name it a day off.

The calendar is kept as one file per year in ``site_config/calendar/<year>.yaml``
(:class:`generator.models.CalendarYear`, read by :func:`generator.content.load_calendar`).
A day in a year that has no file is never guessed: every question about it raises
:class:`MissingCalendarYear`, which names the year and the directory.

Spans follow the rule for time limits (期间开始之日不计算在期间内): the day an inspection
was completed is not counted, so ``working_days_after(start, end)`` counts the working
days d with start < d <= end.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import GongkaiError
from .models import CalendarYear

_DAY = dt.timedelta(days=1)


class MissingCalendarYear(GongkaiError):  # noqa: N818  (the name other modules and docs use)
    """A working day was needed in a year that has no calendar file."""

    def __init__(self, year: int, directory: str) -> None:
        self.year = year
        self.directory = directory
        path = f"{directory.rstrip('/')}/{year}.yaml"
        super().__init__(
            f"{path}: 没有 {year} 年的工作日历，无法计算工作日；请按国务院办公厅公布的"
            f"{year}年部分节假日安排通知添加此文件（见 docs/deadlines.md）。 / "
            f"no working-day calendar for {year} in {directory}: add {path} from the State "
            f"Council General Office's notice on the {year} holidays (see docs/deadlines.md)"
        )


def _weekdays_after(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays d with start < d <= end (0 when end is not after start)."""
    if end <= start:
        return 0
    # Days since a Monday: weekday() of the day after ``start`` lines up the weeks.
    first = start + _DAY
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    offset = first.weekday()
    count += sum(1 for i in range(rest) if (offset + i) % 7 < 5)
    return count


@dataclass(frozen=True)
class Calendar:
    """Working days of the years that have a calendar file.

    Build one with :meth:`from_years`; ``directory`` is only for messages.
    """

    years: frozenset[int]
    holidays: frozenset[dt.date]
    """Every day off the notices list (on weekdays and weekends alike)."""
    workdays: frozenset[dt.date]
    """The weekend days worked in exchange (调休上班)."""
    directory: str = "site_config/calendar"
    _weekday_holidays: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _sorted_workdays: tuple[dt.date, ...] = field(init=False, repr=False, compare=False)
    _added: dict[tuple[dt.date, int], dt.date] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_added", {})
        # Sorted once, so that a span is counted with two bisections per list.
        weekday = tuple(sorted(d for d in self.holidays if d.weekday() < 5))
        object.__setattr__(self, "_weekday_holidays", weekday)
        object.__setattr__(self, "_sorted_workdays", tuple(sorted(self.workdays)))

    @classmethod
    def from_years(cls, years: Iterable[CalendarYear], directory: str) -> Calendar:
        """The calendar of the given years (each validated by its model)."""
        known: set[int] = set()
        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        for y in years:
            known.add(y.year)
            holidays.update(dt.date.fromisoformat(d) for d in y.holidays)
            workdays.update(dt.date.fromisoformat(d) for d in y.workdays)
        return cls(frozenset(known), frozenset(holidays), frozenset(workdays), directory)

    def _need(self, first: dt.date, last: dt.date) -> None:
        """Raise :class:`MissingCalendarYear` for the first year of first..last without a file."""
        for year in range(first.year, last.year + 1):
            if year not in self.years:
                raise MissingCalendarYear(year, self.directory)

    def is_working_day(self, day: dt.date) -> bool:
        """True for a make-up working day, or a weekday that is not a day off."""
        self._need(day, day)
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_days_after(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (0 when end is not after start)."""
        if end <= start:
            return 0
        self._need(start + _DAY, end)
        lo = bisect.bisect_right(self._weekday_holidays, start)
        hi = bisect.bisect_right(self._weekday_holidays, end)
        off = hi - lo
        lo = bisect.bisect_right(self._sorted_workdays, start)
        hi = bisect.bisect_right(self._sorted_workdays, end)
        extra = hi - lo
        return _weekdays_after(start, end) - off + extra

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself for n = 0). Remembered:
        a province's 500,000 results share a few hundred completion days."""
        if n < 0:
            raise ValueError(f"n must be 0 or more (got {n})")
        found = self._added.get((start, n))
        if found is not None:
            return found
        day, left = start, n
        while left:
            day += _DAY
            if self.is_working_day(day):
                left -= 1
        self._added[(start, n)] = day
        return day

    def days_late(self, deadline: dt.date, day: dt.date) -> int:
        """Working days by which ``day`` is past ``deadline`` (0 when on or before it).

        A day that is not a working day counts as the next working day: something done on
        the Saturday after a Friday deadline is one working day late, as on the Monday.
        """
        if day <= deadline:
            return 0
        late = self.working_days_after(deadline, day)
        return late if self.is_working_day(day) else late + 1
