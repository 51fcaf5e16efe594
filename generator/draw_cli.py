"""``gongkai draw`` and ``gongkai verify-draw``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .cli_common import config_option, content_option, handle_errors
from .content import Content, Loaded, display_path, load_content
from .errors import GongkaiError, InputError
from .models import Draw, Plan
from .yamlwrite import dump_yaml


def _content(content_dir: Path, config_dir: Path | None) -> Content:
    from .validate import validate

    content = load_content(content_dir, config_dir)
    report = validate(content)
    if report.errors:
        raise InputError(report.errors)
    return content


@click.command("draw")
@click.argument("task_id")
@click.option(
    "--beacon",
    "beacon_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="drand 轮次 JSON（与 drand HTTP 接口返回的完全一致）。 / The drand round as its HTTP API returns it.",
)
@click.option(
    "--drawn-at",
    required=True,
    metavar="YYYY-MM-DDTHH:MM:SS+08:00",
    help="摇号时间。 / When the draw was made.",
)
@content_option
@config_option
@handle_errors
def draw(
    task_id: str, beacon_file: Path, drawn_at: str, content_dir: Path, config_dir: Path | None
) -> None:
    """按已签名计划的承诺进行摇号，写出摇号记录草稿。

    Draw a task as its signed plan committed: the beacon round it named, the
    registry snapshot, the strata and the inspector rules. Writes the draw record
    as a draft to content/draws/<year>/<draw-id>/v1.yaml; the lead department and
    the witnesses then sign it. A second draw for the same task is refused unless
    the first was voided by a signed void record.
    """
    from .beacon import load_round_json
    from .drawing import compute, next_draw_id, record_data
    from .models import _check_datetime

    try:
        _check_datetime(drawn_at)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--drawn-at") from None
    content = _content(content_dir, config_dir)
    draw_id = next_draw_id(content, task_id)
    beacon = load_round_json(beacon_file.read_bytes())
    plan_loaded, _, outcome, header = compute(content, task_id, beacon, drawn_at)
    data = record_data(draw_id, header, beacon, outcome)
    Draw.model_validate(data)
    plan = plan_loaded.record
    assert isinstance(plan, Plan)
    target = content_dir / "draws" / drawn_at[:4] / draw_id / "v1.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"# 摇号记录草稿：{task_id}。须由牵头部门和见证人签名（gongkai sign）。\n"
        + dump_yaml(data),
        encoding="utf-8",
    )
    selected = len(outcome.visits)
    click.echo(f"摇号完成 / drawn: {task_id} → {display_path(target)}")
    click.echo(f"  种子 / seed: {outcome.seed}")
    click.echo(
        f"  检查对象 / targets: {selected} selected from a pool of "
        f"{outcome.in_scope - len(outcome.exclusions)} ({len(outcome.exclusions)} excluded)"
    )
    click.echo(
        f"下一步 / next: gongkai sign {display_path(target)} --key DEPARTMENT_KEY --key WITNESS_KEY"
    )


def check_draw(content: Content, loaded: Loaded) -> tuple[bool, str, list[str]]:
    """Re-run a published draw; (identical?, summary, explanation lines)."""
    from .drawing import beacon_input, compare, compute

    rec = loaded.record
    assert isinstance(rec, Draw)
    from .drawing import QUICKNET_CHAIN

    if rec.beacon.source != "drand-quicknet" or rec.beacon.chain_hash != QUICKNET_CHAIN:
        return (
            False,
            f"beacon: not the source the plan committed to (got {rec.beacon.source} chain "
            f"{rec.beacon.chain_hash}, expected drand-quicknet chain {QUICKNET_CHAIN})",
            [],
        )
    beacon = beacon_input(rec)
    try:
        _, _, outcome, header = compute(
            content, rec.task, beacon, rec.drawn_at, exclude_draw=rec.id, plan_ref=rec.plan
        )
    except GongkaiError as exc:
        return False, str(exc), []
    recomputed: dict[str, Any] = {
        **header,
        "seed": outcome.seed,
        "algorithm": rec.algorithm,
        "in_scope": outcome.in_scope,
        "exclusions": outcome.exclusions,
        "strata": outcome.strata,
        "visits": outcome.visits,
        "teams": outcome.teams,
        "assignments": outcome.assignments,
    }
    diffs = compare(loaded.signed, recomputed)
    explain = [
        f"seed: {outcome.seed}",
        f"in scope: {outcome.in_scope}, excluded: {len(outcome.exclusions)}",
    ]
    for s in outcome.strata:
        first = ", ".join(f"{x['target']} {x['ticket'][:14]}" for x in s["selected"][:3])
        explain.append(
            f"stratum {s['match'] or 'all'}: N={s['population']} k={s['take']}; first: {first}"
        )
    for a in outcome.assignments[:5]:
        explain.append(
            f"{a['target']}: team {a.get('team') or ''} {', '.join(a['members'])}; "
            f"reserves {', '.join(a['reserves']) or '-'}"
        )
    if diffs:
        return (
            False,
            f"the re-run differs from the published record in: {', '.join(diffs)}",
            explain,
        )
    return (
        True,
        f"re-run gives the identical draw ({len(outcome.visits)} targets, seed and tickets equal)",
        explain,
    )


@click.command("verify-draw")
@click.argument("draw_ids", nargs=-1)
@click.option(
    "--explain",
    is_flag=True,
    help="列出每一步：种子、分层、前几张票、每组人员。 / Print every step.",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。 / Print JSON.")
@content_option
@config_option
@handle_errors
def verify_draw(
    draw_ids: tuple[str, ...],
    explain: bool,
    as_json: bool,
    content_dir: Path,
    config_dir: Path | None,
) -> None:
    """重新运行摇号并与公布的记录比对（默认全部）。

    Re-run published draws from the records and compare them with what was
    published (all draws unless DRAW_IDS are given). Exits 1 on any difference.
    """
    content = _content(content_dir, config_dir)
    draws = [r for r in content.records if isinstance(r.record, Draw)]
    if draw_ids:
        draws = [r for r in draws if r.record.id in draw_ids]
        missing = set(draw_ids) - {r.record.id for r in draws}
        if missing:
            raise GongkaiError(f"no such draw: {', '.join(sorted(missing))}")
    results = []
    ok_all = True
    for number, loaded in enumerate(draws, start=1):
        ok, summary, lines = check_draw(content, loaded)
        ok_all &= ok
        results.append(
            {
                "id": str(number),
                "subject": loaded.path,
                "status": "pass" if ok else "fail",
                "reason": summary,
                "steps": lines,
            }
        )
    if as_json:
        click.echo(
            json.dumps(
                {"verdict": "pass" if ok_all else "fail", "checks": results},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for r in results:
            click.echo(
                f"  {r['id']}. [{'通过 pass' if r['status'] == 'pass' else '失败 FAIL'}] {r['subject']}: {r['reason']}"
            )
            if explain:
                for line in r["steps"]:
                    click.echo(f"       {line}")
        click.echo(
            f"结论 / verdict: {'通过 PASS' if ok_all else '未通过 FAIL'} — {len(results)} draw(s)"
        )
    if not ok_all:
        sys.exit(1)
