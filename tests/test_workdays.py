"""The official working-day calendar (generator/workdays.py, site_config/calendar/).

Spans are counted by hand from the State Council General Office's notices
(国办发明电〔2022〕16号, 〔2023〕7号, 〔2024〕12号, 〔2025〕7号), written beside each case.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.content import load_calendar
from generator.workdays import Calendar, MissingCalendarYear
from tests.conftest import SITE_CONFIG

D = dt.date


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    cal, problems = load_calendar(SITE_CONFIG)
    assert problems == []
    return cal


def test_the_calendar_has_2023_to_2026(calendar: Calendar) -> None:
    assert calendar.years == frozenset({2023, 2024, 2025, 2026})
    assert calendar.directory.endswith("site_config/calendar")


@pytest.mark.parametrize(
    ("start", "end", "expected", "why"),
    [
        # 春节 2023: 1/21-1/27 off (Sat-Fri), 1/28 Sat and 1/29 Sun worked, then 1/30-2/3.
        (D(2023, 1, 20), D(2023, 2, 3), 7, "2 调休 weekend days + 5 weekdays"),
        # 中秋国庆 2023: 9/29-10/6 off, 10/7 Sat and 10/8 Sun worked, then 10/9-10/13.
        (D(2023, 9, 28), D(2023, 10, 13), 7, "2 调休 weekend days + 5 weekdays"),
        # 春节 2024: 2/4 Sun worked, 2/5-2/9, 2/10-2/17 off, 2/18 Sun worked, 2/19-2/23.
        (D(2024, 2, 2), D(2024, 2, 23), 12, "1 + 5 + 1 + 5"),
        # 国庆中秋 2025: 9/28 Sun worked, 9/29-9/30, 10/1-10/8 off, 10/9-10/10, 10/11 Sat
        # worked, 10/13-10/17.
        (D(2025, 9, 26), D(2025, 10, 17), 11, "1 + 2 + 2 + 1 + 5"),
        # 元旦 2026 across the year's end: 1/1-1/3 off, 1/4 Sun worked, 1/5-1/9.
        (D(2025, 12, 31), D(2026, 1, 9), 6, "1 + 5"),
        # 劳动节 2023: 4/29-5/3 off; 5/4 Thu, 5/5 Fri and the 调休 Saturday 5/6 worked.
        (D(2023, 5, 3), D(2023, 5, 7), 3, "Thursday, Friday and the 调休 Saturday"),
        (D(2023, 9, 22), D(2023, 9, 22), 0, "an empty span"),
        (D(2023, 9, 25), D(2023, 9, 22), 0, "end before start"),
    ],
)
def test_spans_counted_by_hand(
    calendar: Calendar, start: dt.date, end: dt.date, expected: int, why: str
) -> None:
    assert calendar.working_days_after(start, end) == expected, why


def test_a_make_up_saturday_is_a_working_day(calendar: Calendar) -> None:
    saturday = D(2023, 5, 6)  # 劳动节调休
    assert saturday.weekday() == 5
    assert calendar.is_working_day(saturday)
    assert calendar.working_days_after(D(2023, 5, 5), D(2023, 5, 7)) == 1
    assert not calendar.is_working_day(D(2023, 5, 13))  # an ordinary Saturday


def test_a_holiday_on_a_weekday_is_not_counted(calendar: Calendar) -> None:
    wednesday = D(2023, 4, 5)  # 清明节
    assert wednesday.weekday() == 2
    assert not calendar.is_working_day(wednesday)
    assert calendar.working_days_after(D(2023, 4, 4), D(2023, 4, 6)) == 1


def test_twenty_working_days_across_the_national_day(calendar: Calendar) -> None:
    # Completed Friday 2023-09-22: 9/25-9/28 (4), 10/7-10/8 (6), 10/9-10/13 (11),
    # 10/16-10/20 (16), 10/23-10/26 (20). Plain weekdays would say 10/20.
    assert calendar.add_working_days(D(2023, 9, 22), 20) == D(2023, 10, 26)
    assert calendar.add_working_days(D(2023, 9, 22), 0) == D(2023, 9, 22)
    assert calendar.add_working_days(D(2023, 9, 28), 1) == D(2023, 10, 7)  # the 调休 Saturday
    with pytest.raises(ValueError, match="0 or more"):
        calendar.add_working_days(D(2023, 9, 22), -1)


def test_days_late_counts_a_rest_day_as_the_next_working_day(calendar: Calendar) -> None:
    deadline = D(2023, 10, 26)  # Thursday
    assert calendar.days_late(deadline, deadline) == 0
    assert calendar.days_late(deadline, D(2023, 10, 20)) == 0
    assert calendar.days_late(deadline, D(2023, 10, 27)) == 1  # Friday
    assert calendar.days_late(deadline, D(2023, 10, 28)) == 2  # Saturday: as Monday
    assert calendar.days_late(deadline, D(2023, 10, 30)) == 2  # Monday


@pytest.mark.parametrize(
    ("year", "statutory", "working_days"),
    [(2023, 11, 249), (2024, 11, 251), (2025, 13, 248), (2026, 13, 248)],
)
def test_each_year_adds_up(
    calendar: Calendar, year: int, statutory: int, working_days: int
) -> None:
    """Weekday days off = the statutory holidays (11 a year, 13 from 2025 under the amended
    全国年节及纪念日放假办法) + the weekend days worked in exchange; the year's working days
    are its weekdays less those days off plus the 调休 days (counted by hand)."""
    off = [d for d in calendar.holidays if d.year == year and d.weekday() < 5]
    worked = [d for d in calendar.workdays if d.year == year]
    assert len(off) == statutory + len(worked)
    assert calendar.working_days_after(D(year - 1, 12, 31), D(year, 12, 31)) == working_days


days_2023_2026 = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 10, 31))


@settings(max_examples=200, deadline=None)
@given(start=days_2023_2026, length=st.integers(min_value=0, max_value=60))
def test_spans_agree_with_counting_day_by_day(start: dt.date, length: int) -> None:
    cal, _ = load_calendar(SITE_CONFIG)
    end = start + dt.timedelta(days=length)
    by_day = sum(cal.is_working_day(start + dt.timedelta(days=i)) for i in range(1, length + 1))
    assert cal.working_days_after(start, end) == by_day


@settings(max_examples=200, deadline=None)
@given(start=days_2023_2026, n=st.integers(min_value=1, max_value=40))
def test_adding_working_days_inverts_counting(start: dt.date, n: int) -> None:
    cal, _ = load_calendar(SITE_CONFIG)
    end = cal.add_working_days(start, n)
    assert cal.is_working_day(end)
    assert cal.working_days_after(start, end) == n
    assert cal.working_days_after(start, end - dt.timedelta(days=1)) == n - 1


def test_a_year_without_a_file_is_an_error_never_a_guess(calendar: Calendar) -> None:
    with pytest.raises(MissingCalendarYear) as caught:
        calendar.working_days_after(D(2026, 12, 20), D(2027, 1, 10))
    assert caught.value.year == 2027
    message = str(caught.value)
    assert "site_config/calendar/2027.yaml" in message
    assert "没有 2027 年的工作日历" in message
    assert "no working-day calendar for 2027" in message
    with pytest.raises(MissingCalendarYear, match="2022"):
        calendar.is_working_day(D(2022, 12, 30))
    with pytest.raises(MissingCalendarYear, match="2027"):
        calendar.add_working_days(D(2026, 12, 25), 10)
    # The start day itself is not counted, so it needs no calendar.
    assert calendar.working_days_after(D(2022, 12, 31), D(2023, 1, 3)) == 1


# ---------------------------------------------------------------------------
# Bad calendar files: every problem, with file, line and field


GOOD_2023 = (SITE_CONFIG / "calendar" / "2023.yaml").read_text("utf-8")


def _config_with(tmp_path: Path, name: str, text: str) -> Path:
    config = tmp_path / "site_config"
    shutil.copytree(SITE_CONFIG, config)
    (config / "calendar" / "2023.yaml").unlink()
    (config / "calendar" / name).write_text(text, "utf-8")
    return config


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_bad_dates_are_each_reported_at_their_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        GOOD_2023.replace("  - 2023-01-02\n", "  - 2022-12-31\n", 1)  # outside the year
        .replace("  - 2023-04-05\n", "  - 2023-04-05\n  - 2023-04-05\n", 1)  # twice
        .replace("  - 2023-06-25  #", "  - 2023-06-23  #", 1)  # a weekday, and a day off
        .replace("  - 2023-10-08  #", "  - 2023-10-06  #", 1)  # a Friday, and a day off
    )
    config = _config_with(tmp_path, "2023.yaml", text)
    monkeypatch.chdir(tmp_path)
    cal, problems = load_calendar(Path("site_config"))
    path = "site_config/calendar/2023.yaml"
    dup = _line_of(text, "2023-04-05") + 1
    jun = _line_of(text, "- 2023-06-23  #")
    oct_ = _line_of(text, "- 2023-10-06  #")
    assert [str(p) for p in problems] == [
        f"{path}:{_line_of(text, '2022-12-31')}:5: holidays[1]: date outside 2023 "
        "(got 2022-12-31, expected a day of 2023)",
        f"{path}:{dup}:5: holidays[10]: listed twice (got 2023-04-05, also at holidays[9], "
        "expected each date once)",
        f"{path}:{jun}:5: workdays[4]: both a day off and a working day (got 2023-06-23, also "
        "at holidays[17], expected each date once)",
        f"{path}:{jun}:5: workdays[4]: a make-up working day must be a Saturday or Sunday "
        "(got 2023-06-23, a Friday)",
        f"{path}:{oct_}:5: workdays[6]: both a day off and a working day (got 2023-10-06, also "
        "at holidays[26], expected each date once)",
        f"{path}:{oct_}:5: workdays[6]: a make-up working day must be a Saturday or Sunday "
        "(got 2023-10-06, a Friday)",
    ]
    assert 2023 not in cal.years  # a bad year is not used
    assert config.is_dir()


def test_a_file_named_for_another_year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config_with(tmp_path, "2022.yaml", GOOD_2023)
    monkeypatch.chdir(tmp_path)
    cal, problems = load_calendar(Path("site_config"))
    assert [str(p) for p in problems] == [
        f"site_config/calendar/2022.yaml:{_line_of(GOOD_2023, 'year: 2023')}:7: year: the file "
        "is not named after its year (got 2023 in 2022.yaml, expected calendar/2023.yaml)"
    ]
    assert 2023 not in cal.years


def test_a_wrong_field_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = GOOD_2023.replace("  date: 2022-12-08", "  date: 2022-12-32").replace(
        "holidays:", "holiday:"
    )
    _config_with(tmp_path, "2023.yaml", text)
    monkeypatch.chdir(tmp_path)
    _, problems = load_calendar(Path("site_config"))
    shown = [str(p) for p in problems]
    assert (
        f"site_config/calendar/2023.yaml:{_line_of(text, '2022-12-32')}:9: source.date: no such "
        "day (got '2022-12-32', expected a real date)"
    ) in shown
    assert any("holiday: unknown field" in s for s in shown)
    assert any("holidays: required field is missing" in s for s in shown)


def test_validate_reports_a_bad_calendar_and_fails(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calendar = content_copy.parent / "site_config" / "calendar" / "2024.yaml"
    text = calendar.read_text("utf-8").replace("  - 2024-10-12  #", "  - 2024-10-11  #")
    calendar.write_text(text, "utf-8")
    monkeypatch.chdir(content_copy.parent)
    result = CliRunner().invoke(main, ["validate", "--content", "content"])
    assert result.exit_code == 1
    assert (
        f"site_config/calendar/2024.yaml:{_line_of(text, '2024-10-11  #')}:5: workdays[7]: "
        "a make-up working day must be a Saturday or Sunday (got 2024-10-11, a Friday)"
    ) in result.output
    assert "Traceback" not in result.output
