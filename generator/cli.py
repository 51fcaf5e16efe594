"""The ``gongkai`` command line: a thin shell around the core.

It gathers inputs, calls the core and shows results. Domain errors become
messages and exit codes here and nowhere else; a traceback is shown only with
``--verbose``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .cli_common import (
    CONTEXT_SETTINGS,
    config_option,
    content_option,
    echo_problems,
    handle_errors,
    mkdocs_config_option,
)


def root_of_trust_line(content: Path = Path("content")) -> str | None:
    """The SHA-256 of ``content/root/1.yaml`` (its record digest), for pinning."""
    path = content / "root" / "1.yaml"
    if not path.is_file():
        return None
    from .content import load_record_file

    loaded, problems = load_record_file(path)
    if loaded is None or problems:
        return f"根信任 / root of trust: {path} does not validate"
    return f"根信任 SHA-256（{path}）/ root of trust: {loaded.digest}"


class _Main(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        line = root_of_trust_line()
        if line:
            formatter.write_paragraph()
            formatter.write_text(line)
            formatter.write_text(
                "核验时用 --root-sha256 固定它。 / Pin it with --root-sha256 when verifying."
            )


@click.group(cls=_Main, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="gongkai")
@click.option(
    "-v", "--verbose", is_flag=True, help="出错时显示完整的调用栈。 / Show tracebacks on errors."
)
def main(verbose: bool) -> None:
    """gongkai（公开）：双随机、一公开的签名公开记录与静态网站。

    Signed, verifiable public records of random inspections (双随机、一公开),
    kept as YAML in a git repository and rendered as a static site.

    \b
    常用命令 / Common commands:
      gongkai validate              检查 content/ 中的全部记录 / check every record
      gongkai import checklist F    从 Excel 导入抽查事项清单 / import from Excel
    """


@main.command()
@content_option
@config_option
@click.option("-q", "--quiet", is_flag=True, help="只输出问题。 / Print problems only.")
@handle_errors
def validate(content_dir: Path, config_dir: Path | None, quiet: bool) -> None:
    """检查全部记录：格式、交叉引用、名录库与个人信息。

    Validate every record: schemas, cross-references, registries and personal data.

    Reports every problem in every file as ``path:line:col: field: message``
    and exits with 1 if there is any. Nothing is written.
    """
    from .content import load_content
    from .validate import validate as run_validate

    interactive = sys.stderr.isatty()

    def progress(path: str) -> None:
        if interactive and not quiet and path.endswith(".csv"):
            click.echo(f"正在检查名录库 / scanning registry: {path}", err=True)

    content = load_content(content_dir, config_dir, progress=progress)
    report = run_validate(content, progress=progress)
    errors = report.errors
    echo_problems(report.problems)
    if errors:
        click.echo(
            f"验证未通过：{len(errors)} 个错误，涉及 {len({p.path for p in errors})} 个文件。 / "
            f"Validation failed: {len(errors)} error(s) in {len({p.path for p in errors})} file(s).",
            err=True,
        )
        sys.exit(1)
    if quiet:
        return
    counts = report.counts()
    rows = sum(s.rows for s in report.registry_scans.values())
    names = {
        "department": "部门 departments",
        "checklist-item": "抽查事项版本 checklist item versions",
        "target-registry": "检查对象名录库 target registries",
        "inspector-registry": "执法检查人员名录库 inspector registries",
        "plan": "年度抽查计划 plans",
        "result": "检查结果公告 result notices",
    }
    click.echo("验证通过。 / Validation passed.")
    for kind, label in names.items():
        if counts.get(kind):
            click.echo(f"  {counts[kind]:>6}  {label}")
    click.echo(f"  {rows:>6}  名录库中的检查对象 registry rows")
    unsigned = report.unsigned
    if unsigned:
        click.echo(
            f"注意：{len(unsigned)} 条记录尚未签名（草稿），发布前须签名（gongkai sign）。 / "
            f"Note: {len(unsigned)} record(s) are unsigned drafts; sign them before publishing:"
        )
        for r in unsigned[:20]:
            click.echo(f"  {r.path}")
        if len(unsigned) > 20:
            click.echo(f"  ... and {len(unsigned) - 20} more")


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="输出目录。 / Output directory.",
)
@click.option(
    "--check", is_flag=True, help="只检查是否过期，不写入。 / Only check for drift; write nothing."
)
@handle_errors
def schemas(directory: Path, check: bool) -> None:
    """由模型生成 JSON Schema。 / Generate the JSON Schemas from the models."""
    from .schemas import drift, write_schemas

    if check:
        stale = drift(directory)
        for line in stale:
            click.echo(f"{directory}/{line}", err=True)
        if stale:
            click.echo(
                "JSON Schema 已过期，请运行 gongkai schemas 重新生成。 / "
                "Schemas are out of date: run `gongkai schemas` to regenerate them.",
                err=True,
            )
            sys.exit(1)
        click.echo("JSON Schema 与模型一致。 / Schemas match the models.")
        return
    names = write_schemas(directory)
    click.echo(f"已写入 {len(names)} 个 JSON Schema 到 {directory}/ / wrote {len(names)} schemas")


@main.command()
@mkdocs_config_option
@click.option(
    "-d",
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="输出目录，默认为配置文件旁的 site/。 / Output directory (default: site/ beside the configuration).",
)
@click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="记录所在目录，默认取配置文件中的设置。 / The records (default: as in the configuration).",
)
@click.option(
    "--today",
    "today",
    metavar="YYYY-MM-DD",
    default=None,
    help="按此日期生成（逾期、倒计时等），默认今天（北京时间）。 / Build as of this day (overdue "
    "items, countdowns; default: today in China).",
)
@click.option(
    "--force",
    is_flag=True,
    help="即使自上次生成以来没有变化也重新生成。 / Build even when nothing changed since the last build.",
)
@handle_errors
def build(
    config_file: Path,
    site_dir: Path | None,
    content_dir: Path | None,
    today: str | None,
    force: bool,
) -> None:
    """验证全部记录并生成公开网站。

    Validate every record and render the public site.

    The site is built into a temporary directory and swapped in only when the
    whole build succeeded, so a failed build leaves the previous site untouched.
    Unchanged record pages are taken from the previous site (a hash manifest).
    """
    import datetime as dt
    import os

    from .clock import ENV_TODAY
    from .site.build import build_site, site_is_current

    if today is not None:
        try:
            dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter(
                f"not a date (got {today!r}, expected YYYY-MM-DD)", param_hint="--today"
            ) from None
        os.environ[ENV_TODAY] = today
    if not force and site_is_current(config_file, site_dir, content_dir):
        where = (site_dir or config_file.parent / "site").resolve()
        click.echo(
            f"网站已是最新：自上次生成以来，生成所读的文件、代码和日期都没有变化：{where}/ / the site "
            "is up to date: nothing it is built from changed since the last build (--force builds "
            "it again)"
        )
        return
    click.echo("正在生成网站…… / building the site...", err=True)
    target = build_site(config_file, site_dir, content_dir, force=True)
    click.echo(f"网站已生成：{target}/index.html / site built in {target}/")
    click.echo(f"本地预览：python -m http.server -d {target} 8000，然后打开 http://127.0.0.1:8000/")


def _today() -> str:
    """Today in China (+08:00), the time zone of the log's times (or GONGKAI_TODAY:
    generator/clock.py)."""
    from .clock import today

    return today().isoformat()


@main.command()
@content_option
@config_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="输出机器可读的 JSON（格式见 docs/verify-json.md）。 / Print JSON.",
)
@click.option(
    "--root-sha256",
    metavar="HEX",
    default=None,
    help="固定根信任的 SHA-256（第 1 版或以后任一版）。 / Pin the root of trust by its SHA-256.",
)
@click.option(
    "--at",
    "at_date",
    metavar="YYYY-MM-DD",
    default=None,
    help="按此日期判断根信任是否过期，以及尚未入日志的记录的密钥有效性，默认今天（北京时间）。 / "
    "Judge root expiry, and the keys of records not in the log yet, as of this date "
    "(default: today in China).",
)
@handle_errors
def verify(
    content_dir: Path,
    config_dir: Path | None,
    as_json: bool,
    root_sha256: str | None,
    at_date: str | None,
) -> None:
    """核验全部记录的签名：根信任、密钥登记册和每一条记录。

    Verify every signature: the root of trust, the key registry and every record.

    Prints a numbered list of checks, each pass, fail or not checked with its
    reason, and exits with 1 if any check failed.
    """
    from .verify import render_text, verify_tree

    if at_date is not None:
        import datetime as dt

        try:
            if len(at_date) != 10:
                raise ValueError(at_date)
            dt.date.fromisoformat(at_date)
        except ValueError:
            raise click.BadParameter(
                f"not a date (got {at_date!r}, expected YYYY-MM-DD)", param_hint="--at"
            ) from None
    if root_sha256 is not None:
        root_sha256 = root_sha256.lower()
    content, report = verify_tree(content_dir, config_dir, at_date or _today(), root_sha256)
    add_draw_checks(report, content)
    if as_json:
        click.echo(report.as_json())
    else:
        click.echo("\n".join(render_text(report)))  # one write: 100,000 lines are many
    if not report.ok:
        sys.exit(1)


def add_draw_checks(report: Any, content: Any) -> None:
    """Re-run every draw (as ``gongkai verify-draw``) and add one check per draw."""
    from collections import Counter

    from .draw_cli import check_draw
    from .models import Draw
    from .trust import Check, number

    draws = [loaded for loaded in content.records if issubclass(loaded.model, Draw)]
    outcomes: dict[int, tuple[bool, str]] = {}
    for i in sorted(
        range(len(draws)), key=lambda i: _registry_of(draws[i])
    ):  # each registry read once
        ok, summary, _ = check_draw(content, draws[i])
        outcomes[i] = (ok, summary)
    for i, loaded in enumerate(draws):
        ok, summary = outcomes[i]
        report.checks.append(Check(f"{loaded.path} (re-run)", "pass" if ok else "fail", summary))
    number(report.checks)
    counts = Counter(c.status for c in report.checks)
    report.counts.update(
        {"pass": counts["pass"], "fail": counts["fail"], "not checked": counts["not checked"]}
    )


def _registry_of(loaded: Any) -> str:
    """The registry a draw record names ("" when the record does not validate)."""
    try:
        return str(loaded.record.registry)
    except Exception:  # an invalid draw: check_draw reports it
        return ""


def _register_subcommands() -> None:
    from .beacon_cli import beacon_group
    from .check import check_command
    from .deadlines_cli import deadlines_command
    from .draw_cli import draw, verify_draw
    from .importer import import_group
    from .init_cli import init_command
    from .keys_cli import keys_group, sign
    from .log_cli import log_group
    from .root_cli import root_group
    from .site.serve import serve_command
    from .site.stats import report_command

    main.add_command(import_group)
    main.add_command(keys_group)
    main.add_command(sign)
    main.add_command(beacon_group)
    main.add_command(draw)
    main.add_command(verify_draw)
    main.add_command(log_group)
    main.add_command(report_command)
    main.add_command(serve_command)
    main.add_command(init_command)
    main.add_command(root_group)
    main.add_command(check_command)
    main.add_command(deadlines_command)


_register_subcommands()
