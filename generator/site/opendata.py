"""开放数据: the open-data page and its data dictionary (数据字典), from ``schemas/*.schema.json``.

The open-data page lists what can be downloaded: every record's public JSON (by kind),
each registry's public CSV, every draw bundle (live and voided) with its selection CSV,
the 统计分析 CSVs and the 企业查询 index. The data dictionary lists, for every schema and
each of its definitions, the fields with their type and description. Private fields
(``x-private``) are marked as not published. Every string passes through ``esc``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .render import KIND_LABELS, Page, SiteData, _link, _table, esc


def _type_of(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "const" in spec:
        return f"常量 {spec['const']}"
    if "enum" in spec:
        return "枚举：" + "、".join(str(v) for v in spec["enum"])
    if "anyOf" in spec:
        return " 或 ".join(_type_of(s) for s in spec["anyOf"])
    kind = spec.get("type", "")
    if kind == "array":
        return f"数组（{_type_of(spec.get('items', {}))}）"
    if kind == "object" and "additionalProperties" in spec:
        extra = spec["additionalProperties"]
        return "对象" + (f"（值：{_type_of(extra)}）" if isinstance(extra, dict) else "")
    return str(kind or "任意")


def _fields(props: dict[str, Any], required: list[str]) -> str:
    rows = []
    for name, spec in props.items():
        private = spec.get("x-private") is True
        desc = spec.get("description", "")
        rows.append(
            [
                f"<code>{esc(name)}</code>",
                esc(_type_of(spec)),
                esc("是" if name in required else "否"),
                esc(("（不公开）" if private else "") + desc),
            ]
        )
    return _table(["字段", "类型", "必填", "说明"], rows, "gk-compact gk-dictionary")


def dictionary_page(schemas_dir: Path) -> Page:
    parts = [
        "<p>本页列出每类公开记录（JSON）的字段、类型和说明，由 "
        "<code>schemas/*.schema.json</code> 生成。标注“不公开”的字段不会出现在公开数据中。</p>"
    ]
    for path in sorted(schemas_dir.glob("*.schema.json")):
        schema = json.loads(path.read_text("utf-8"))
        title = schema.get("title", path.name)
        parts.append(
            f"## {esc(path.name.removesuffix('.schema.json'))}：{esc(title)}\n\n"
            f"<p>{esc(schema.get('description', ''))}</p>\n\n"
            + _fields(schema.get("properties", {}), schema.get("required", []))
        )
        for name, sub in schema.get("$defs", {}).items():
            if "properties" not in sub:
                continue
            parts.append(
                f"### {esc(name)}\n\n"
                + (f"<p>{esc(sub['description'])}</p>\n\n" if sub.get("description") else "")
                + _fields(sub["properties"], sub.get("required", []))
            )
    return Page("data/dictionary.md", "数据字典", "\n\n".join(parts))


def open_data_page(data: SiteData) -> Page:
    from .draws import draw_entries
    from .stats import figures

    kinds = Counter(
        type(r.record).KIND
        for r in [*data.report.content.records, *data.report.content.config_records]
    )
    parts = [
        "<p>本站公开的全部数据均可下载：每条记录的 JSON（仅公开字段）及其 DSSE 签名信封、"
        "名录库的 CSV（仅公开列）、每次摇号的数据包。字段说明见"
        f"{_link('dictionary.md', '数据字典')}。CSV 文件为带 BOM 的 UTF-8 编码。</p>",
        "## 记录（JSON）\n\n"
        + _table(
            ["记录类别", "数量", "位置"],
            (
                [esc(KIND_LABELS.get(k, k)), esc(n), f"<code>data/{esc(k)}/</code>"]
                for k, n in sorted(kinds.items())
            ),
        ),
    ]
    regs = []
    for r in data.registries:
        rec = r.record
        name = f"{rec.id}-v{rec.version}.csv"
        regs.append(_link(f"registries/{name}", name))
    parts.append(
        "## 检查对象名录库（CSV）\n\n<ul>" + "".join(f"<li>{x}</li>" for x in regs) + "</ul>"
    )
    rows = [
        [
            esc(e.draw.id),
            esc(e.draw.task),
            esc("已作废" if e.voided_by else "有效"),
            _link("../" + e.bundle_path, "bundle.json"),
            _link("../" + e.csv_path, "selection.csv"),
        ]
        for e in draw_entries(data)
    ]
    parts.append(
        "## 摇号数据包\n\n<p>可用 <code>gongkai verify-draw URL</code> 离线核验。</p>\n\n"
        + _table(
            ["摇号记录", "抽查任务", "状态", "数据包", "抽中名单"], rows, "gk-compact gk-bundles"
        )
    )
    stats = [_link(f"../stats/{f.slug}.csv", f.title) for f in figures(data)]
    parts.append(
        "## 统计数据（CSV）\n\n<ul>"
        + "".join(f"<li>{x}</li>" for x in stats)
        + "</ul>\n\n## 企业查询索引\n\n<p><code>lookup/index.json</code>"
        "（清单）、<code>lookup/code/*.json</code>（按统一社会信用代码分片）、"
        "<code>lookup/name/*.json</code>（按名称前缀分片）。</p>"
    )
    return Page("data/index.md", "开放数据", "\n\n".join(parts))
