"""``gongkai draw`` and ``gongkai verify-draw``."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from .bundle import verify_bundle
from .cli_common import config_option, content_option, handle_errors
from .confidential import Opening, parse_openings, read_secret
from .content import Content, Loaded, display_path, load_content
from .errors import GongkaiError, InputError
from .models import Draw, Plan
from .verify import STATUS_LABEL
from .yamlwrite import dump_yaml


def _content(content_dir: Path, config_dir: Path | None) -> Content:
    from .validate import validate

    content = load_content(content_dir, config_dir)
    report = validate(content)
    if report.errors:
        raise InputError(report.errors)
    return content


SOURCE_OPTIONS: dict[str, tuple[str, str, str]] = {
    "drand-quicknet": ("--beacon", "drand 轮次的 JSON 文件", "the drand round's JSON file"),
    "ceremony": ("--ceremony-digits", "现场读出的数字", "the digits read out at the ceremony"),
    "lottery": (
        "--lottery",
        "彩票号码的 RFC 3797 密钥串",
        "the lottery numbers as an RFC 3797 key string",
    ),
}
"""Per randomness source: the option of ``gongkai draw`` that gives its value, and what it is."""


def beacon_from_options(
    task: Any, beacon_file: Path | None, digits: str | None, lottery: str | None
) -> dict[str, Any]:
    """The beacon input for ``task``'s source from the one option that gives it."""
    from .beacon import load_round_json
    from .draw import DrawError

    source = task.randomness.source
    option, zh, en = SOURCE_OPTIONS[source]
    given = [
        name
        for name, value in (
            ("--beacon", beacon_file),
            ("--ceremony-digits", digits),
            ("--lottery", lottery),
        )
        if value is not None
    ]
    if given != [option]:
        raise DrawError(
            f"任务 {task.id} 的随机数来源是 {source}，请只用 {option} 给出{zh} / task {task.id} "
            f"names randomness source {source}: give {en} with {option} only "
            f"(got {', '.join(given) or 'no beacon option'})"
        )
    if beacon_file is not None:
        beacon: dict[str, Any] = load_round_json(beacon_file.read_bytes())
        return beacon
    return {"source": source, "value": digits if digits is not None else lottery}


PROGRESS_FROM = 200_000
"""Pools at least this large show a progress bar while they are hashed."""


@contextlib.contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress callback that shows a bar on stderr once the pool is large."""
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_FROM:
            return
        if bar is None:
            bar = click.progressbar(
                length=total, label="计算票号 / hashing tickets", file=sys.stderr, show_pos=True
            )
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("draw")
@click.argument("task_id")
@click.option(
    "--beacon",
    "beacon_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="来源为 drand-quicknet 时：drand 轮次 JSON（与 drand HTTP 接口返回的完全一致）。 / "
    "Source drand-quicknet: the drand round as its HTTP API returns it.",
)
@click.option(
    "--ceremony-digits",
    metavar="DIGITS",
    help="来源为 ceremony 时：现场读出的数字（只含 0–9，至少 20 位）。 / "
    "Source ceremony: the digits read out in public (0-9 only, at least 20).",
)
@click.option(
    "--lottery",
    metavar="KEYSTRING",
    help="来源为 lottery 时：开奖号码的 RFC 3797 密钥串，如 9319./2.5.8.10.12./。 / "
    "Source lottery: the numbers as an RFC 3797 key string, e.g. 9319./2.5.8.10.12./.",
)
@click.option(
    "--drawn-at",
    required=True,
    metavar="YYYY-MM-DDTHH:MM:SS+08:00",
    help="摇号时间。 / When the draw was made.",
)
@click.option(
    "--secret",
    "secret_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="分层依据保密时：本部门的摇号密钥文件（gongkai keys new-secret）。 / "
    "Confidential strata: the department's draw secret (gongkai keys new-secret).",
)
@click.option(
    "--openings-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="分层依据保密时：开启值文件写到哪里（默认在密钥文件旁，不得在 content/ 内）。 / "
    "Confidential strata: where to write the openings (default: beside the secret; never "
    "inside content/).",
)
@content_option
@config_option
@handle_errors
def draw(
    task_id: str,
    beacon_file: Path | None,
    ceremony_digits: str | None,
    lottery: str | None,
    drawn_at: str,
    secret_file: Path | None,
    openings_out: Path | None,
    content_dir: Path,
    config_dir: Path | None,
) -> None:
    """按已签名计划的承诺进行摇号，写出摇号记录草稿。

    Draw a task as its signed plan committed: the randomness it named (a drand
    round with --beacon, ceremony digits with --ceremony-digits, or lottery
    numbers with --lottery), the registry snapshot, the strata and the inspector
    rules. Writes the draw record as a draft to
    content/draws/<year>/<draw-id>/v1.yaml; the lead department and the
    witnesses then sign it. A second draw for the same task is refused unless
    the first was voided by a signed void record.

    When the strata use a private registry column (e.g. credit class), they are
    confidential: --secret is required, the record commits to every pooled
    target's class instead of listing the strata's members, and the openings
    are written to --openings-out, outside the repository, for the firms and
    auditors.
    """
    from .confidential import openings_json, read_secret
    from .drawing import compute, find_task, next_draw_id, record_data
    from .keyfile import create_private_file
    from .models import _check_datetime

    try:
        _check_datetime(drawn_at)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--drawn-at") from None
    content = _content(content_dir, config_dir)
    _, task = find_task(content, task_id)
    beacon = beacon_from_options(task, beacon_file, ceremony_digits, lottery)
    draw_id = next_draw_id(content, task_id)
    secret = (
        read_secret(secret_file.read_text(encoding="utf-8", errors="replace"), str(secret_file))
        if secret_file is not None
        else None
    )
    with _progress_bar() as progress:
        plan_loaded, _, outcome, header = compute(
            content, task_id, beacon, drawn_at, secret=secret, progress=progress
        )
    data = record_data(draw_id, header, outcome)
    Draw.model_validate(data)
    openings_path: Path | None = None
    if outcome.confidential:
        assert secret_file is not None
        openings_path = openings_out or secret_file.parent / f"{draw_id}.openings.json"
        if openings_path.resolve().is_relative_to(content_dir.resolve()):
            raise GongkaiError(
                f"--openings-out: 开启值不得写入 content/（会随仓库公开） / the openings must not be "
                f"written inside {display_path(content_dir)} (got {display_path(openings_path)})"
            )
        if openings_path.exists():
            raise GongkaiError(
                f"--openings-out: {display_path(openings_path)} 已存在，未覆盖 / already exists; "
                "not overwritten"
            )
    elif secret_file is not None:
        raise GongkaiError(
            f"任务 {task_id} 的分层依据是公开的，不需要 --secret / task {task_id} has no "
            "confidential strata: --secret is not used"
        )
    plan = plan_loaded.record
    assert isinstance(plan, Plan)
    # The openings first: a draft without them could never be opened.
    if openings_path is not None:
        openings_path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(
            openings_path, (openings_json(task_id, outcome.openings) + "\n").encode("utf-8")
        )
    target = content_dir / "draws" / drawn_at[:4] / draw_id / "v1.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"# 摇号记录草稿：{task_id}。须由牵头部门和见证人签名（gongkai sign）。\n"
        + dump_yaml(data),
        encoding="utf-8",
    )
    selected = len(outcome.visits)
    click.echo(f"摇号完成 / drawn: {task_id} → {display_path(target)}")
    if openings_path is not None:
        click.echo(
            f"  开启值 / openings: {display_path(openings_path)} "
            f"({len(outcome.openings)} targets; keep private, give each firm its own line)"
        )
    click.echo(f"  种子 / seed: {outcome.seed}")
    click.echo(
        f"  检查对象 / targets: {selected} selected from a pool of "
        f"{outcome.in_scope - len(outcome.exclusions)} ({len(outcome.exclusions)} excluded)"
    )
    witnesses = getattr(task.randomness, "witnesses_required", 1)
    keys = " ".join(
        ["--key WITNESS_KEY"]
        if witnesses == 1
        else [f"--key WITNESS_KEY_{n}" for n in range(1, witnesses + 1)]
    )
    click.echo(f"下一步 / next: gongkai sign {display_path(target)} --key DEPARTMENT_KEY {keys}")


def check_draw(
    content: Content, loaded: Loaded, secret: bytes | None = None
) -> tuple[bool, str, list[str]]:
    """Re-run a published draw; (identical?, summary, explanation lines). The department's
    draw ``secret`` lets the re-run check the commitments of confidential strata too."""
    from .drawing import beacon_input, compare, compute

    rec = loaded.record
    assert isinstance(rec, Draw)
    from .drawing import QUICKNET_CHAIN

    if rec.beacon.source == "drand-quicknet" and rec.beacon.chain_hash != QUICKNET_CHAIN:
        return (
            False,
            f"beacon: not the source the plan committed to (got {rec.beacon.source} chain "
            f"{rec.beacon.chain_hash}, expected drand-quicknet chain {QUICKNET_CHAIN})",
            [],
        )
    beacon = beacon_input(rec)
    try:
        _, _, outcome, header = compute(
            content,
            rec.task,
            beacon,
            rec.drawn_at,
            exclude_draw=rec.id,
            plan_ref=rec.plan,
            secret=secret,
        )
    except GongkaiError as exc:
        return False, str(exc), []
    recomputed: dict[str, Any] = {
        **header,
        "seed": outcome.seed,
        "algorithm": outcome.algorithm,
        "in_scope": outcome.in_scope,
        "exclusions": outcome.exclusions,
        "strata": outcome.strata,
        "visits": outcome.visits,
        "teams": outcome.teams,
        "assignments": outcome.assignments,
    }
    note = ""
    if outcome.confidential and outcome.commitments is not None:
        recomputed["commitments"] = outcome.commitments
    elif outcome.confidential:
        note = "; commitments not checked (needs the department's draw secret, --secret FILE)"
    elif rec.commitments:
        recomputed["commitments"] = []
    diffs = compare(loaded.signed, recomputed)
    explain = [
        f"seed: {outcome.seed}",
        f"in scope: {outcome.in_scope}, excluded: {len(outcome.exclusions)}",
    ]
    for s in outcome.strata:
        first = (
            ", ".join(
                f"{x['target']} {x['ticket'][:14] if 'ticket' in x else x['digest'][:14]}"
                for x in s["selected"][:3]
            )
            or f"confidential, highest selected ticket {s.get('highest_ticket', '-')}"
        )
        explain.append(
            f"stratum {', '.join(f'{k}={v}' for k, v in s['match'].items()) or 'all'}: "
            f"N={s['population']} k={s['take']}; first: {first}"
        )
    for a in outcome.assignments[:5]:
        explain.append(
            f"{a['target']}: team {(a['team'] + ' ') if a.get('team') else ''}"
            f"{', '.join(a['members'])}; "
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
        f"re-run gives the identical draw ({len(outcome.visits)} targets, seed and tickets equal){note}",
        explain,
    )


def _looks_like_bundle(arg: str) -> bool:
    return arg.startswith(("http://", "https://")) or Path(arg).exists()


def _bundle_results(
    arg: str, pinned: str | None, openings: list[Opening] | None = None
) -> list[dict[str, Any]]:
    """The checks of every bundle ``arg`` names, as result dicts (explanation on the last)."""
    from .bundle import parse_bundle, read_source, today_beijing

    results: list[dict[str, Any]] = []
    for source, raw in read_source(arg):
        bundle = parse_bundle(raw, source)
        mine = [o for o in openings or [] if o.task == bundle.task] or None
        checks, explain = verify_bundle(bundle, source, pinned, today_beijing(), mine)
        group = [
            {"subject": c.subject, "status": c.status, "reason": c.reason, "steps": []}
            for c in checks
        ]
        group[-1]["steps"] = explain
        results.extend(group)
    return results


@click.command("verify-draw")
@click.argument("sources", nargs=-1, metavar="[DRAW_ID|BUNDLE|URL|DIR]…")
@click.option(
    "--root",
    "--root-sha256",
    "pinned",
    metavar="SHA256",
    help="信任根（第1版）的 SHA-256，见网站和 gongkai --help；核对数据包时使用。 / "
    "Pin the root of trust (its SHA-256, as on the site and in `gongkai --help`) when checking bundles.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="列出每一步：对象池、排除、种子、各层前几张票、每组人员排序。 / Print every step.",
)
@click.option(
    "--opening",
    "opening_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="分层依据保密时：开启值文件（企业自己的一条，或审计所需的全部），可重复。 / "
    "Confidential strata: an openings file (a firm's own, or all of them); repeatable.",
)
@click.option(
    "--secret",
    "secret_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="分层依据保密时：本部门的摇号密钥，用于在内容仓库中核对承诺值。 / "
    "Confidential strata: the department's draw secret, to check the commitments on a re-run "
    "from the content repository.",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。 / Print JSON.")
@content_option
@config_option
@handle_errors
def verify_draw(
    sources: tuple[str, ...],
    pinned: str | None,
    explain: bool,
    opening_files: tuple[Path, ...],
    secret_file: Path | None,
    as_json: bool,
    content_dir: Path,
    config_dir: Path | None,
) -> None:
    """重新运行摇号并与公布的记录比对。

    Re-run published draws and compare them with what was published. Each
    argument is a draw id of the content repository, a draw bundle
    (bundle.json, as published on the site at draws/<task-id>/bundle.json), a
    directory holding bundles (e.g. a downloaded site), or the http(s) URL of a
    bundle. With no argument, every draw of the content repository. A bundle is
    checked on its own, without the site or the repository; the report says what
    a bundle alone cannot show. Exits 1 on any difference.
    """
    from .bundle import BundleError

    if pinned is not None:
        pinned = pinned.strip().lower()
        if len(pinned) != 64 or any(c not in "0123456789abcdef" for c in pinned):
            raise click.BadParameter(
                f"not a SHA-256 (got {pinned!r}, expected 64 hex digits)", param_hint="--root"
            )
    openings: list[Opening] = []
    for f in opening_files:
        openings.extend(parse_openings(f.read_bytes(), display_path(f))[1])
    secret = (
        read_secret(secret_file.read_text(encoding="utf-8", errors="replace"), str(secret_file))
        if secret_file is not None
        else None
    )
    bundle_args = [a for a in sources if _looks_like_bundle(a)]
    draw_ids = [a for a in sources if a not in bundle_args]
    results: list[dict[str, Any]] = []
    drawn = 0
    if draw_ids or not sources:
        content = _content(content_dir, config_dir)
        draws = [r for r in content.records if issubclass(r.model, Draw)]
        if draw_ids:
            draws = [r for r in draws if r.record.id in draw_ids]
            missing = set(draw_ids) - {r.record.id for r in draws}
            if missing:
                raise GongkaiError(
                    f"no such draw, file or directory: {', '.join(sorted(missing))} "
                    "(expected a draw id such as SJX-2023-001-D1, a bundle.json, a directory or a URL)"
                )
        for loaded in draws:
            ok, summary, lines = check_draw(content, loaded, secret)
            results.append(
                {
                    "subject": loaded.path,
                    "status": "pass" if ok else "fail",
                    "reason": summary,
                    "steps": lines,
                }
            )
        drawn += len(draws)
    for arg in bundle_args:
        try:
            group = _bundle_results(arg, pinned, openings)
        except BundleError as exc:
            reason = str(exc).removeprefix(f"{arg}: ")
            group = [{"subject": arg, "status": "fail", "reason": reason, "steps": []}]
        results.extend(group)
        drawn += max(1, sum(1 for r in group if r["subject"].endswith(": strata")))
    for number, r in enumerate(results, start=1):
        r["id"] = str(number)
        r.update({k: r.pop(k) for k in ("subject", "status", "reason", "steps")})
    ok_all = all(r["status"] != "fail" for r in results)
    unchecked = sum(r["status"] == "not checked" for r in results)
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
            click.echo(f"  {r['id']}. [{STATUS_LABEL[r['status']]}] {r['subject']}: {r['reason']}")
            if explain:
                for line in r["steps"]:
                    click.echo(f"       {line}")
        tail = f"; {unchecked} 项未检查 not checked" if unchecked else ""
        click.echo(
            f"结论 / verdict: {'通过 PASS' if ok_all else '未通过 FAIL'} — {drawn} draw(s){tail}"
        )
    if not ok_all:
        sys.exit(1)
