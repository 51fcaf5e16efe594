"""``gongkai deadlines``: the time limits R1–R4 (generator/deadlines.py), printed."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import click

from .cli_common import config_option, content_option, handle_errors
from .deadlines import RULES, Finding


def _parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        from .clock import today

        return today()
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"not a date (got {value!r}, expected YYYY-MM-DD)", ctx, param
        ) from None


def render_text(findings: list[Finding], today: dt.date, years: list[int]) -> list[str]:
    """Each missed deadline on its own line; those not checked grouped by file and rule."""
    lines = [str(f) for f in findings if f.status == "fail"]
    unchecked: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.status == "not checked":
            unchecked.setdefault((f.path, f.rule), []).append(f)
    if unchecked:
        if lines:
            lines.append("")
        lines.append("未核查 / not checked:")
        for group in unchecked.values():
            first = group[0]
            lines.append(
                f"  {first}（本文件共 {len(group)} 项未核查，此为首项 / {len(group)} in this "
                "file, the first shown）"
            )
    lines.append("")
    lines.append(f"时限规则 / rules (as of {today.isoformat()}):")
    fails = Counter(f.rule for f in findings if f.status == "fail")
    skipped = Counter(f.rule for f in findings if f.status == "not checked")
    for rule, text in RULES.items():
        parts = [f"{fails[rule]} 项逾期 / late"]
        if skipped[rule]:
            parts.append(f"{skipped[rule]} 项未核查 / not checked")
        lines.append(f"  {rule} {text}: {'，'.join(parts)}")
    span = f"{years[0]}–{years[-1]}" if years else "none"
    verdict = "未通过 FAIL" if fails else "通过 PASS"
    lines.append("")
    lines.append(
        f"结论 / verdict: {verdict} — {sum(fails.values())} late, "
        f"{sum(skipped.values())} not checked (working-day calendar: {span})"
    )
    return lines


def as_json(findings: list[Finding], today: dt.date) -> str:
    """The findings as JSON: one object per finding, with its place and rule."""
    return json.dumps(
        {
            "today": today.isoformat(),
            "findings": [
                {
                    "path": f.path,
                    "line": f.line,
                    "col": f.col,
                    "field": f.field,
                    "rule": f.rule,
                    "status": f.status,
                    "days_late": f.days_late,
                    "deadline": f.deadline.isoformat() if f.deadline else None,
                    "subject": f.subject,
                    "task": f.task,
                    "target": f.target,
                    "count": f.count,
                    "message": f.message,
                }
                for f in findings
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


@click.command("deadlines")
@content_option
@config_option
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    default=None,
    callback=_parse_day,
    help="按此日期判断尚未公示的结果是否逾期，默认今天。 / Judge results still owed as of "
    "this day (default: today).",
)
@click.option("--json", "json_out", is_flag=True, help="输出 JSON。 / Print JSON.")
@handle_errors
def deadlines_command(
    content_dir: Path, config_dir: Path | None, today: dt.date, json_out: bool
) -> None:
    """检查时限：结果公示、年度计划、开始检查和尚未公示的结果（按法定工作日计算）。

    Check the time limits in working days of the official calendar: R1 results published
    within 20 working days of completion, R2 the annual plan by 31 January, R3 inspections
    started within the task's working days of the draw, R4 drawn targets whose results are
    overdue. Exits with 1 if any deadline was missed.
    """
    from .content import load_content
    from .deadlines import deadline_problems
    from .errors import InputError
    from .validate import validate

    content = load_content(content_dir, config_dir)
    report = validate(content)
    if report.errors:
        raise InputError(report.errors)
    calendar = content.calendar
    findings = deadline_problems(content, calendar, today)
    if json_out:
        click.echo(as_json(findings, today))
    else:
        click.echo("\n".join(render_text(findings, today, sorted(calendar.years))))
    if any(f.status == "fail" for f in findings):
        sys.exit(1)
