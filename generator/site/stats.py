"""统计分析: coverage, results and trends, as static SVG charts with a CSV beside each.

The same figures make the site's ``stats/`` page and ``gongkai report --year Y
[--quarter Q]`` (a Markdown report with the SVGs and CSVs). Charts are drawn here as SVG
text at build time: no JavaScript. Every label from a record passes through
:func:`~generator.site.render.esc`; CSV cells through ``render._csv_cell`` (formula
injection) and the CSVs are UTF-8 with a BOM so that Excel opens them.

* 各部门抽查覆盖: per lead department, the draws, the pool (in scope), targets drawn,
  inspections completed and problems found;
* 各分层抽查覆盖: per stratum value (``信用等级：A``), the population and the number drawn;
* 检查结果分布: inspections by result code;
* 按季度趋势: per quarter, targets drawn, inspections completed and problems found.

A draw counts in the period of its ``drawn_at``, an inspection in that of its
``completed_on``. Voided draws are left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from ..cli_common import config_option, content_option, handle_errors
from ..errors import GongkaiError
from ..models import Plan, Result, TargetRegistry
from ..publish import public_data
from .render import Page, SiteData, _csv_cell, _table, esc


@dataclass
class Figure:
    """One chart: its table (header + rows), the series drawn and where its files go."""

    slug: str
    title: str
    header: list[str]
    rows: list[list[str | int]]
    label_col: int = 0
    series: list[int] = field(default_factory=lambda: [1])
    """Columns drawn as bars."""
    note: str = ""

    def csv(self) -> bytes:
        lines = [",".join(_csv_cell(h) for h in self.header)]
        lines += [",".join(_csv_cell(str(c)) for c in row) for row in self.rows]
        return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")

    def svg(self) -> str:
        return bar_chart(
            self.title,
            [str(r[self.label_col]) for r in self.rows],
            [(self.header[c], [int(r[c]) for r in self.rows]) for c in self.series],
        )


COLOURS = ["#c62828", "#1565c0", "#2e7d32", "#ef6c00"]


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> str:
    """A horizontal grouped bar chart as SVG text (every label escaped)."""
    bar_h, gap, chart_w, top = 14, 10, 420, 48
    # Room for the longest label: a CJK character is about 12 px at font-size 12.
    label_w = min(360, max(80, 12 * max((len(x) for x in labels), default=0) + 12))
    group_h = bar_h * len(series) + gap
    height = top + max(1, len(labels)) * group_h + 10
    width = label_w + chart_w + 70
    top_value = max([v for _, values in series for v in values] or [0]) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gk-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{esc(title)}</title>",
        f'<text x="4" y="18" font-size="14" font-weight="bold">{esc(title)}</text>',
    ]
    for s, (name, _) in enumerate(series):
        x = 4 + s * 150
        out.append(
            f'<rect x="{x}" y="28" width="10" height="10" fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="37">{esc(name)}</text>'
        )
    if not labels:
        out.append(f'<text x="4" y="{top + 12}">（本期无数据）</text>')
    for i, label in enumerate(labels):
        y0 = top + i * group_h
        out.append(
            f'<text x="{label_w - 6}" y="{y0 + bar_h * len(series) / 2 + 4:.0f}" '
            f'text-anchor="end">{esc(label)}</text>'
        )
        for s, (_, values) in enumerate(series):
            v = values[i]
            w = chart_w * v / top_value
            y = y0 + s * bar_h
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{esc(label)} {esc(v)}</title></rect>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}">{esc(v)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def quarter_of(date: str) -> str:
    return f"{date[:4]}年第{(int(date[5:7]) - 1) // 3 + 1}季度"


def _in_period(date: str, year: int | None, quarter: int | None) -> bool:
    if year is None:
        return True
    if int(date[:4]) != year:
        return False
    return quarter is None or (int(date[5:7]) - 1) // 3 + 1 == quarter


def figures(data: SiteData, year: int | None = None, quarter: int | None = None) -> list[Figure]:
    """The four charts, for the whole record or one year (and quarter)."""
    from .draws import draw_entries

    flat = data.codes.flat() if data.codes else {}

    def problem(code: str) -> bool:
        node = flat.get(code)
        return bool(node and node[0].problem_found)

    dept_rows: dict[str, Counter[str]] = defaultdict(Counter)
    strata: dict[str, Counter[str]] = defaultdict(Counter)
    quarters: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, dict[str, str]] = {}
    for r in data.registries:
        reg = r.record
        if isinstance(reg, TargetRegistry):
            labels[reg.ref] = {c.name: c.label for c in reg.columns}
    for e in draw_entries(data):
        if e.voided_by or not _in_period(e.draw.drawn_at, year, quarter):
            continue
        dept = data.dept_name(e.draw.department)
        dept_rows[dept]["draws"] += 1
        dept_rows[dept]["pool"] += int(e.bundle["in_scope"])
        dept_rows[dept]["drawn"] += len(e.bundle["visits"])
        quarters[quarter_of(e.draw.drawn_at)]["drawn"] += len(e.bundle["visits"])
        cols = labels.get(e.draw.registry, {})
        for s in e.bundle["strata"]:
            key = "，".join(f"{cols.get(k, k)}：{v}" for k, v in s["match"].items()) or "全部"
            strata[key]["population"] += int(s["population"])
            strata[key]["take"] += int(s["take"])
    codes: Counter[str] = Counter()
    for r in data.results:
        res = r.record
        if not isinstance(res, Result):
            continue
        dept = data.dept_name(res.department)
        for entry in public_data(res, r.signed)["entries"]:
            if not _in_period(entry["completed_on"], year, quarter):
                continue
            found = problem(entry["result"])
            dept_rows[dept]["inspected"] += 1
            dept_rows[dept]["problems"] += found
            q = quarters[quarter_of(entry["completed_on"])]
            q["inspected"] += 1
            q["problems"] += found
            codes[entry["result"]] += 1

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}%" if b else "—"

    order = list(data.departments.values())
    dept_order = {d.name: i for i, d in enumerate(order)}
    depts = sorted(dept_rows, key=lambda d: (dept_order.get(d, 99), d))
    code_order = list(flat)
    return [
        Figure(
            "coverage-department",
            "各部门抽查覆盖",
            [
                "部门",
                "摇号次数",
                "对象池（户）",
                "抽中（户）",
                "已检查（户）",
                "发现问题（户）",
                "抽取比例",
            ],
            [
                [
                    d,
                    c["draws"],
                    c["pool"],
                    c["drawn"],
                    c["inspected"],
                    c["problems"],
                    pct(c["drawn"], c["pool"]),
                ]
                for d in depts
                for c in [dept_rows[d]]
            ],
            series=[3, 4],
        ),
        Figure(
            "coverage-stratum",
            "各分层抽查覆盖",
            ["分层", "分层对象（户）", "抽中（户）", "抽取比例"],
            [
                [k, c["population"], c["take"], pct(c["take"], c["population"])]
                for k, c in sorted(strata.items())
            ],
            series=[2],
            note="同一分层在多次摇号中合计。",
        ),
        Figure(
            "results-by-code",
            "检查结果分布",
            ["检查结果", "数量（户）", "是否发现问题"],
            [
                [data.code_label(c), n, "是" if problem(c) else "否"]
                for c, n in sorted(
                    codes.items(),
                    key=lambda x: code_order.index(x[0]) if x[0] in code_order else 999,
                )
            ],
        ),
        Figure(
            "trend-quarter",
            "按季度趋势",
            ["季度", "抽中（户）", "已检查（户）", "发现问题（户）"],
            [[q, c["drawn"], c["inspected"], c["problems"]] for q, c in sorted(quarters.items())],
            series=[1, 2, 3],
        ),
    ]


def _figure_html(f: Figure, prefix: str = "") -> str:
    return (
        f"## {esc(f.title)}\n\n"
        f'<figure class="gk-figure">{f.svg()}</figure>\n\n'
        + _table(f.header, ([esc(c) for c in row] for row in f.rows), "gk-compact gk-stats")
        + (f"\n\n<p>{esc(f.note)}</p>" if f.note else "")
        + f'\n\n<p><a href="{esc(prefix + f.slug)}.csv">下载 CSV</a>　'
        f'<a href="{esc(prefix + f.slug)}.svg">下载 SVG</a></p>'
    )


def stats_pages(data: SiteData) -> list[Page]:
    intro = (
        "<p>以下统计由公开记录在生成网站时计算：摇号按摇号时间、检查按检查完成日期计入期间；"
        "已作废的摇号不计入。每张图旁附 CSV 数据。季度和年度报告可用 "
        "<code>gongkai report --year 年度</code> 生成。</p>"
    )
    body = intro + "\n\n" + "\n\n".join(_figure_html(f) for f in figures(data))
    return [Page("stats/index.md", "统计分析", body)]


def stats_files(data: SiteData) -> Iterator[tuple[str, bytes]]:
    for f in figures(data):
        yield f"stats/{f.slug}.svg", f.svg().encode("utf-8")
        yield f"stats/{f.slug}.csv", f.csv()


def report_markdown(data: SiteData, year: int, quarter: int | None, figs: list[Figure]) -> str:
    period = f"{year}年第{quarter}季度" if quarter else f"{year}年度"
    jurisdiction = data.site.jurisdiction if data.site else ""
    lines = [
        f"# {jurisdiction}“双随机、一公开”监管{period}报告",
        "",
        "本报告由 `gongkai report` 根据公开记录生成：摇号按摇号时间、检查按检查完成日期计入期间，"
        "已作废的摇号不计入。",
        "",
    ]
    for f in figs:
        lines += [f"## {f.title}", "", f"![{f.title}]({f.slug}.svg)", ""]
        lines.append("| " + " | ".join(f.header) + " |")
        lines.append("|" + "---|" * len(f.header))
        for row in f.rows:
            cells = [esc(c).replace("|", "\\|") for c in row]
            lines.append("| " + " | ".join(cells) + " |")
        if not f.rows:
            lines.append("| （本期无数据） |" + " |" * (len(f.header) - 1))
        lines += ["", f"数据：[{f.slug}.csv]({f.slug}.csv)", ""]
    return "\n".join(lines)


class ReportError(GongkaiError):
    """The report cannot be made for the period asked."""


def write_report(data: SiteData, year_text: str, quarter_text: str | None, out: Path) -> list[Path]:
    """Write the quarterly or annual report (Markdown, SVG and CSV) into ``out``."""
    try:
        year = int(year_text)
    except ValueError:
        raise ReportError(
            f"--year 须为四位年份，例如 2023（收到 {year_text!r}） / --year must be a year such as 2023"
        ) from None
    if not 2015 <= year <= 2100:
        raise ReportError(
            f"--year 须在 2015 至 2100 之间（收到 {year}） / --year must be 2015–2100"
        )
    quarter = None
    if quarter_text is not None:
        if quarter_text not in ("1", "2", "3", "4"):
            raise ReportError(
                f"--quarter 须为 1、2、3 或 4（收到 {quarter_text!r}） / --quarter must be 1-4"
            )
        quarter = int(quarter_text)
    years = sorted({p.record.year for p in data.plans if isinstance(p.record, Plan)})
    if year not in years:
        have = "、".join(str(y) for y in years) or "无"
        raise ReportError(
            f"没有 {year} 年度的抽查计划（已有：{have}） / no plan for {year} (have: {have})"
        )
    figs = figures(data, year, quarter)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"report-{year}" + (f"-Q{quarter}" if quarter else "")
    written = [out / f"{stem}.md"]
    written[0].write_text(report_markdown(data, year, quarter, figs), encoding="utf-8")
    for f in figs:
        svg, csv = out / f"{f.slug}.svg", out / f"{f.slug}.csv"
        svg.write_text(f.svg(), encoding="utf-8")
        csv.write_bytes(f.csv())
        written += [svg, csv]
    return written


@click.command("report")
@content_option
@config_option
@click.option("--year", "year_text", required=True, help="年度，例如 2023。 / The year.")
@click.option(
    "--quarter",
    "quarter_text",
    default=None,
    help="季度 1–4；不给则为年度报告。 / Quarter 1-4 (default: the whole year).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="输出目录，默认为 report-<年度>[-Q<季度>]/。 / Output directory (default: report-YEAR[-QN]/).",
)
@handle_errors
def report_command(
    content_dir: Path,
    config_dir: Path | None,
    year_text: str,
    quarter_text: str | None,
    out_dir: Path | None,
) -> None:
    """生成季度或年度统计报告（Markdown、SVG 图表和 CSV）。

    Write the quarterly or annual report: Markdown with the same charts as the site's
    统计分析 page (SVG) and a CSV for each.
    """
    from ..content import load_content
    from ..errors import InputError
    from ..validate import validate

    content = load_content(content_dir, config_dir)
    checked = validate(content)
    if checked.errors:
        raise InputError(checked.errors)
    out = out_dir or Path(f"report-{year_text}" + (f"-Q{quarter_text}" if quarter_text else ""))
    written = write_report(SiteData(checked), year_text, quarter_text, out)
    click.echo(
        f"报告已生成：{written[0]}（另有 {len(written) - 1} 个图表和数据文件） / report written to {out}/"
    )
