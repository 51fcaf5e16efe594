"""The deadlines R1–R4 (generator/deadlines.py) and ``gongkai deadlines``.

Each rule failing and passing, on copies of tests/fixtures/minimal (no draws) and of the
demo (draws on Monday 2023-08-28), with the official calendar of site_config/calendar.
Working days are counted by hand beside each case.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.content import Content, load_content
from generator.deadlines import Finding, deadline_problems
from generator.models import Draw, Result
from generator.validate import validate
from generator.workdays import MissingCalendarYear
from generator.yamlsafe import read_yaml_file
from generator.yamlwrite import dump_yaml
from tests.conftest import CONTENT, FIXTURES, SITE_CONFIG

D = dt.date
MINI_RESULT = "content/results/2023/MINI-2023-001-R1/v1.yaml"
MINI_PLAN = "content/plans/2023/MINI-2023/v1.yaml"
DEMO_RESULT = "content/results/2023/SJX-2023-001-R1/v1.yaml"
AUTUMN = D(2023, 10, 1)
"""A day before any result is owed (R4)."""


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change a record and write it back as an unsigned draft (validate accepts drafts)."""
    doc, problems = read_yaml_file(str(path))
    assert doc is not None
    assert not problems
    record = doc.data.get("signed", doc.data)
    change(record)
    path.write_text(dump_yaml(record), "utf-8")


def _line_of(path: Path, needle: str, after: str = "") -> int:
    lines = path.read_text("utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if after in line) if after else 0
    return next(n for n, line in enumerate(lines[start:], start + 1) if needle in line)


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the minimal tree with the official calendar, as the working directory."""
    shutil.copytree(FIXTURES / "minimal", tmp_path, dirs_exist_ok=True)
    shutil.copytree(SITE_CONFIG / "calendar", tmp_path / "site_config" / "calendar")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def demo(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo, as the working directory."""
    monkeypatch.chdir(content_copy.parent)
    return content_copy.parent


def _load(root: Path) -> Content:
    content = load_content(root / "content", root / "site_config")
    report = validate(content)
    assert [str(p) for p in report.errors] == []
    return content


def _findings(root: Path, today: dt.date = AUTUMN) -> list[Finding]:
    content = _load(root)
    return deadline_problems(content, content.calendar, today)


def _of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# ---------------------------------------------------------------------------
# R1: results within 20 working days of completion


def test_r1_a_late_result_across_the_national_day(mini: Path) -> None:
    # Completed Monday 2023-09-11: 9/12-9/15 (4), 9/18-9/22 (9), 9/25-9/28 (13), 9/29-10/6
    # off, 10/7-10/8 worked (15), 10/9-10/13 (20): due by 10/13. Published 10/31: 10/16-10/20
    # (5), 10/23-10/27 (10), 10/30-10/31 (12) working days late. (Plain weekdays: 16.)
    r1 = _of(_findings(mini), "R1")
    assert [str(f) for f in r1] == [
        f"{MINI_RESULT}:{_line_of(mini / MINI_RESULT, '2023-09-11')}:19: entries[1].completed_on: "
        "[R1] 逾期 12 个工作日公示：检查完成于 2023-09-11，应于 2023-10-13 前公示，实际 2023-10-31 "
        "公示 / published 12 working day(s) late (completed 2023-09-11, due by 2023-10-13, "
        "published 2023-10-31)"
    ]
    (late,) = r1
    assert (late.status, late.days_late, late.deadline) == ("fail", 12, D(2023, 10, 13))
    doc, _ = read_yaml_file(str(mini / MINI_RESULT))
    assert doc is not None
    target = doc.data["entries"][1]["target"]
    assert (late.subject, late.task, late.target) == ("MINI-2023-001-R1", "MINI-2023-001", target)
    # entries[0], completed on the 调休 Saturday 2023-10-07, was due by 11/2: on time.


@pytest.mark.parametrize(
    ("published", "late"),
    [
        ("2023-10-13", 0),  # the 20th working day itself
        ("2023-10-14", 1),  # a Saturday after the deadline counts as the Monday
        ("2023-10-16", 1),
        ("2023-10-17", 2),
    ],
)
def test_r1_on_the_last_day_and_just_after(mini: Path, published: str, late: int) -> None:
    _edit(mini / MINI_RESULT, lambda r: r.update(published_on=published))
    assert [f.days_late for f in _of(_findings(mini), "R1")] == ([late] if late else [])


# ---------------------------------------------------------------------------
# R2: the plan by 31 January


def _plan_published(on: str, *adjusted: str) -> Callable[[dict[str, Any]], None]:
    def change(plan: dict[str, Any]) -> None:
        plan["published_on"] = on
        plan["adjustments"] = [
            {
                "date": d,
                "reason": "新增专项抽查任务",
                "approval": "示例县政府常务会议纪要〔2023〕3号",
            }
            for d in adjusted
        ]

    return change


def test_r2_a_plan_after_january_is_late(mini: Path) -> None:
    # Due Tuesday 2023-01-31; published Friday 2023-02-10: 2/1-2/3 (3), 2/6-2/10 (8).
    _edit(mini / MINI_PLAN, _plan_published("2023-02-10"))
    assert [str(f) for f in _of(_findings(mini), "R2")] == [
        f"{MINI_PLAN}:{_line_of(mini / MINI_PLAN, 'published_on')}:15: published_on: [R2] 逾期 8 "
        "个工作日发布：2023 年度计划应于 2023-01-31 前编制完成，实际 2023-02-10 发布，且没有发布之日或"
        "之前的计划调整记录（adjustments）/ published 8 working day(s) late (due by 2023-01-31, "
        "published 2023-02-10) with no adjustment recorded on or before publication"
    ]


def test_r2_an_adjustment_recorded_in_time_explains_it(mini: Path) -> None:
    _edit(mini / MINI_PLAN, _plan_published("2023-02-10", "2023-02-01"))
    assert _of(_findings(mini), "R2") == []


def test_r2_an_adjustment_after_publication_does_not(mini: Path) -> None:
    _edit(mini / MINI_PLAN, _plan_published("2023-02-10", "2023-03-01"))
    assert [f.days_late for f in _of(_findings(mini), "R2")] == [8]


@pytest.mark.parametrize("on", ["2023-01-31", "2022-12-20"])
def test_r2_a_plan_in_time(mini: Path, on: str) -> None:
    # A plan of the year before needs no calendar of that year: it is simply in time.
    _edit(mini / MINI_PLAN, _plan_published(on))
    assert _of(_findings(mini), "R2") == []


# ---------------------------------------------------------------------------
# R3: the inspection starts within the task's working days of the draw


def test_r3_started_in_time_late_before_the_draw_and_not_checked(demo: Path) -> None:
    # Drawn Monday 2023-08-28, 5 working days: 8/29, 8/30, 8/31, 9/1, 9/4 — due by 9/4.
    starts = {0: "2023-09-04", 1: "2023-09-06", 2: "2023-08-25"}

    def change(result: dict[str, Any]) -> None:
        for i, day in starts.items():
            result["entries"][i]["started_on"] = day

    _edit(demo / DEMO_RESULT, change)
    r3 = [f for f in _of(_findings(demo), "R3") if f.path == DEMO_RESULT]
    by_entry = {f.at[1]: f for f in r3}
    assert 0 not in by_entry  # started on the last day: in time, no finding
    late = by_entry[1]
    assert (late.status, late.days_late, late.deadline) == ("fail", 2, D(2023, 9, 4))
    assert str(late) == (
        f"{DEMO_RESULT}:{_line_of(demo / DEMO_RESULT, '2023-09-06')}:17: entries[1].started_on: "
        "[R3] 逾期 2 个工作日开始检查：摇号于 2023-08-28，应在 5 个工作日内即 2023-09-04 前开始，实际 "
        "2023-09-06 开始 / started 2 working day(s) late (drawn 2023-08-28, due to start within "
        "5 working days by 2023-09-04, started 2023-09-06)"
    )
    early = by_entry[2]
    assert (early.status, early.days_late) == ("fail", 0)
    assert "started before the draw (got 2023-08-25, drawn on 2023-08-28)" in early.message
    content = _load(demo)
    result = next(res for r, res in content.each(Result) if r.path == DEMO_RESULT)
    unchecked = [i for i, f in by_entry.items() if f.status == "not checked"]
    assert unchecked == list(range(3, len(result.entries)))  # never a pass
    assert "未核查：未记录检查开始日期（started_on）" in by_entry[3].message
    assert by_entry[3].problem().severity == "warning"


def test_r3_without_a_live_draw_is_not_checked(mini: Path) -> None:
    # The minimal tree has no draws: the start cannot be counted from anything.
    r3 = _of(_findings(mini), "R3")
    assert [(f.status, f.field) for f in r3] == [
        ("not checked", "entries[0].started_on"),
        ("not checked", "entries[1].started_on"),
    ]
    assert "没有有效的摇号记录" in r3[0].message


def test_r3_a_task_without_a_start_limit_has_no_rule(mini: Path) -> None:
    def change(plan: dict[str, Any]) -> None:
        for task in plan["tasks"]:
            task["start_within_working_days"] = None

    _edit(mini / MINI_PLAN, change)
    assert _of(_findings(mini), "R3") == []


# ---------------------------------------------------------------------------
# R4: results still owed after the window's end plus 20 working days


def _owed(content: Content) -> dict[str, int]:
    published: dict[str, set[str]] = {}
    for _, res in content.each(Result):
        published.setdefault(res.task, set()).update(e.target for e in res.entries)
    return {
        d.task: sum(1 for v in d.visits if v.target not in published.get(d.task, set()))
        for _, d in content.each(Draw)
    }


def test_r4_results_owed_after_the_deadline(demo: Path) -> None:
    # Windows ending Thursday 2023-11-30: 12/1 (1), 12/4-12/8 (6), 12/11-12/15 (11),
    # 12/18-12/22 (16), 12/25-12/28 (20) — due by 12/28. SJX-2023-004 ends 12/15: 12/18-12/22
    # (5), 12/25-12/29 (10), 2024-01-01 off, 1/2-1/5 (14), 1/8-1/12 (19), 1/15 (20).
    assert _of(_findings(demo, D(2023, 12, 28)), "R4") == []
    content = _load(demo)
    owed = _owed(content)
    r4 = _of(_findings(demo, D(2023, 12, 29)), "R4")
    assert [(f.task, f.count, f.days_late, f.deadline) for f in r4] == [
        (task, owed[task], 1, D(2023, 12, 28))
        for task in ("SJX-2023-001", "SJX-2023-002", "SJX-2023-003")
    ]
    assert r4[0].field == "visits"
    assert r4[0].path == "content/draws/2023/SJX-2023-001-D1/v1.yaml"
    assert f"{owed['SJX-2023-001']} 户已摇号的检查对象尚未公示检查结果" in r4[0].message
    later = _of(_findings(demo, D(2024, 1, 16)), "R4")
    assert [(f.task, f.days_late) for f in later] == [
        ("SJX-2023-001", 12),  # 12/29, 1/2-1/5, 1/8-1/12, 1/15, 1/16: 1 + 4 + 5 + 2
        ("SJX-2023-002", 12),
        ("SJX-2023-003", 12),
        ("SJX-2023-004", 1),
    ]
    # Every drawn target of SJX-2023-005 and -006 has its result: nothing owed.
    assert owed["SJX-2023-005"] == owed["SJX-2023-006"] == 0


# ---------------------------------------------------------------------------
# A year without a calendar file


def test_a_missing_calendar_year_names_the_year_and_the_file(demo: Path) -> None:
    content = _load(demo)
    with pytest.raises(MissingCalendarYear) as caught:
        deadline_problems(content, content.calendar, D(2027, 1, 4))
    assert caught.value.year == 2027
    assert "site_config/calendar/2027.yaml" in str(caught.value)


def test_no_calendar_at_all(mini: Path) -> None:
    shutil.rmtree(mini / "site_config" / "calendar")
    content = _load(mini)
    with pytest.raises(MissingCalendarYear, match=r"site_config/calendar/2023\.yaml"):
        deadline_problems(content, content.calendar, D(2023, 10, 1))


# ---------------------------------------------------------------------------
# gongkai deadlines


def _run(*args: str) -> Any:
    return CliRunner().invoke(
        main, ["deadlines", "--content", "content", "--config", "site_config", *args]
    )


def test_cli_prints_the_late_result_and_fails(mini: Path) -> None:
    result = _run("--today", "2024-01-01")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{MINI_RESULT}:")
    assert "entries[1].completed_on: [R1] 逾期 12 个工作日公示" in lines[0]
    assert "未核查 / not checked:" in lines
    assert any("[R3] 未核查" in line and "本文件共 2 项未核查" in line for line in lines)
    assert (
        "  R1 检查结果自检查完成之日起 20 个工作日内公示 / results published within 20 working days "
        "of completion: 1 项逾期 / late"
    ) in lines
    assert lines[-1] == (
        "结论 / verdict: 未通过 FAIL — 1 late, 2 not checked (working-day calendar: 2023–2026)"
    )


def test_cli_passes_when_nothing_is_late(mini: Path) -> None:
    _edit(mini / MINI_RESULT, lambda r: r.update(published_on="2023-10-13"))
    result = _run("--today", "2024-01-01")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "结论 / verdict: 通过 PASS — 0 late, 2 not checked (working-day calendar: 2023–2026)"
    )


def test_cli_json(mini: Path) -> None:
    result = _run("--today", "2024-01-01", "--json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["today"] == "2024-01-01"
    late = [f for f in doc["findings"] if f["status"] == "fail"]
    assert late == [
        {
            "path": MINI_RESULT,
            "line": _line_of(mini / MINI_RESULT, "2023-09-11"),
            "col": 19,
            "field": "entries[1].completed_on",
            "rule": "R1",
            "status": "fail",
            "days_late": 12,
            "deadline": "2023-10-13",
            "subject": "MINI-2023-001-R1",
            "task": "MINI-2023-001",
            "target": late[0]["target"],
            "count": 1,
            "message": late[0]["message"],
        }
    ]
    assert {f["rule"] for f in doc["findings"] if f["status"] == "not checked"} == {"R3"}


def test_cli_missing_calendar_year_is_a_clear_error(mini: Path) -> None:
    (mini / "site_config" / "calendar" / "2023.yaml").unlink()
    result = _run("--today", "2023-12-01")
    assert result.exit_code == 1
    assert result.output.startswith(
        "错误 / error: site_config/calendar/2023.yaml: 没有 2023 年的工作日历"
    )
    assert "Traceback" not in result.output


def test_cli_bad_today(mini: Path) -> None:
    result = _run("--today", "2023-13-01")
    assert result.exit_code == 2
    assert "not a date (got '2023-13-01', expected YYYY-MM-DD)" in result.output


def test_cli_validates_first(mini: Path) -> None:
    _edit(mini / MINI_RESULT, lambda r: r.update(published_on="2023-09-01"))
    result = _run()
    assert result.exit_code == 1
    assert "completed after publication" in result.output
    assert "nothing was written" in result.output


def test_the_demo_is_checked_end_to_end() -> None:
    content = load_content(CONTENT, SITE_CONFIG)
    findings = deadline_problems(content, content.calendar, D(2026, 6, 1))
    assert {f.rule for f in findings if f.status == "fail"} == {"R1", "R4"}
    for f in findings:
        assert f.line > 0, f


# ---------------------------------------------------------------------------
# The site


def test_the_home_page_lists_what_is_overdue_with_days_late(demo: Path) -> None:
    from generator.site import pages
    from generator.site.render import SiteData

    content = _load(demo)
    data = SiteData(validate(content))
    body = pages.home_page(data, D(2024, 1, 16)).body
    overdue = body[body.index("逾期事项") :]
    rows = overdue.split("<tr>")[2:]  # after the header row
    assert len(rows) == pages.HOME_OVERDUE
    owed = _owed(content)
    # Most working days late first: the results still owed (R4), then late publications.
    assert "第001号抽查任务公告" in rows[0]
    assert f"{owed['SJX-2023-001']} 户尚未公示检查结果" in rows[0]
    assert "逾期 12 个工作日" in rows[0]
    assert "第004号抽查任务公告" in rows[3]
    assert "逾期 1 个工作日" in rows[3]
    assert "检查结果逾期公示" in rows[4]
    r1 = [f for f in deadline_problems(content, data.calendar, D(2024, 1, 16)) if f.rule == "R1"]
    more = len(r1) + 4 - pages.HOME_OVERDUE
    assert f"另有 {more} 项逾期" in overdue
    top = max(f.days_late for f in r1)
    assert f"逾期 {top} 个工作日" in rows[4]


def test_a_result_notice_marks_each_late_entry(demo: Path) -> None:
    from generator.site import pages
    from generator.site.render import SiteData

    data = SiteData(validate(_load(demo)))
    loaded = next(r for r in data.results if r.path == DEMO_RESULT)
    assert isinstance(loaded.record, Result)
    # Published 2023-10-31. entries[1], completed Sunday 2023-09-17: 9/18-9/22 (5), 9/25-9/28
    # (9), 10/7-10/8 (11), 10/9-10/13 (16), 10/16-10/19 (20) — due 10/19, so 10/20, 10/23-10/27,
    # 10/30-10/31: 8 late. entries[9], completed Friday 9/22: due 10/26, 3 late.
    lateness = pages.entries_late(data, loaded.record)
    assert (lateness[1], lateness[9]) == (8, 3)
    html = pages.result_page(data, loaded).body
    assert html.count('<span class="gk-late">') == sum(1 for x in lateness if x)
    assert f"本公告中逾期公示 {sum(1 for x in lateness if x)} 户" in html
    assert "逾期 8 个工作日" in html


def test_a_build_that_needs_a_missing_year_fails_clearly(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import REPO

    (demo / "site_config" / "calendar" / "2024.yaml").unlink()
    monkeypatch.setenv("GONGKAI_SITE_CONFIG", str(demo / "site_config"))
    site = tmp_path / "built"
    site.mkdir()
    (site / "index.html").write_text("the previous site", "utf-8")
    result = CliRunner().invoke(
        main,
        ["build", "-f", str(REPO / "mkdocs.yml"), "-d", str(site), "--content", "content"],
    )
    assert result.exit_code == 1, result.output
    assert "site_config/calendar/2024.yaml: 没有 2024 年的工作日历" in result.output
    assert "Traceback" not in result.output
    assert (site / "index.html").read_text("utf-8") == "the previous site"
