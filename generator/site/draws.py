"""The draw pages (摇号记录): one per draw, a listing, and each draw's downloads.

Each draw gets a page at ``draws/<task-id>/`` (a voided draw at
``draws/<task-id>/<draw-id>/``) that shows what the signed record says and how to check
it: the seed and its beacon, the pool and its strata, the selected targets with their
full tickets, the inspectors (public fields only), the signatures, the commands, and a
button that re-runs the checks in the browser (``assets/js/gongkai-verify.js``).

Beside the bundle (``bundle.json``) each draw publishes ``bundle.js``, the same text as
a JavaScript string, so that the browser check also works on a copy of the site opened
from ``file://`` (where ``fetch`` is refused), and ``selection.csv``.

Every string that comes from a record passes through :func:`~generator.site.render.esc`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from ..bundle import build_bundle, bundle_json
from ..cache import blob_key, open_cache
from ..content import Content, Loaded
from ..drawing import registry_sha256
from ..models import (
    Department,
    Draw,
    InspectorRegistry,
    Plan,
    TargetRegistry,
    Task,
    Void,
)
from ..publish import public_rows
from .render import Page, SiteData, _csv_cell, _dl, _link, _table, bundle_path, esc, memo

BEIJING = dt.timezone(dt.timedelta(hours=8))
QUICKNET_GENESIS = 1692803367
QUICKNET_PERIOD = 3

EXCLUSION_LABELS = {
    "inactive": "登记状态非存续（注销、吊销、停业等）",
    "twice-this-year": "本年度已被抽中两次",
    "exempt": "连续三年检查结果良好，免于抽查",
    "same-item-other-agency": "同一事项已由其他部门检查",
    "no-stratum": "不属于任何分层",
}
ALGORITHM_LABELS = {
    "rivest-consistent-sampler-1.0.10": "Rivest 一致抽样算法（consistent-sampler 1.0.10）",
    "rfc3797": "RFC 3797 可公开核验的随机选取",
}
SOURCE_LABELS = {
    "drand-quicknet": "drand quicknet 公共随机信标（League of Entropy）",
    "ceremony": "现场公开掷骰",
    "lottery": "官方彩票开奖号码",
}


@dataclass
class DrawEntry:
    """One published draw and where its page and files go."""

    loaded: Loaded
    draw: Draw
    bundle: dict[str, Any]
    blob: bytes
    """The bundle as published (``bundle.json``)."""
    voided_by: str | None
    bundle_path: str
    names: dict[str, str] = field(default_factory=dict)
    """Target id -> name, from the registry's public columns."""

    @property
    def base(self) -> str:
        """The bundle path without ``bundle.json``: other files go beside it."""
        return self.bundle_path.removesuffix("bundle.json")

    @property
    def script_path(self) -> str:
        return self.base + "bundle.js"

    @property
    def csv_path(self) -> str:
        return self.base + "selection.csv"

    @property
    def page_path(self) -> str:
        """``draws/<task>.md`` (served at ``draws/<task>/``) or, voided, under it."""
        if self.voided_by is None:
            return f"draws/{self.draw.task}.md"
        return f"draws/{self.draw.task}/{self.draw.id}.md"

    @property
    def url(self) -> str:
        """The page's URL from the site root (directory URLs)."""
        return self.page_path.removesuffix(".md") + "/"


_ENTRIES: WeakKeyDictionary[SiteData, list[DrawEntry]] = WeakKeyDictionary()


def draw_entries(data: SiteData) -> list[DrawEntry]:
    """Every signed draw with its bundle, made once per build (pages and files share them)."""
    cached = _ENTRIES.get(data)
    if cached is not None:
        return cached
    content = data.report.content
    voids = {v.draw: v.ref for _, v in content.each(Void)}
    names_by_registry: dict[str, dict[str, str]] = {}
    entries = []
    signed = [(r, rec) for r, rec in content.each(Draw) if r.signatures is not None]
    store = open_cache()
    keys = _bundle_keys(content, [r for r, _ in signed]) if store is not None else {}
    kept = store.get_blobs(list(keys.values())) if store is not None else {}
    fresh: list[tuple[bytes, bytes]] = []
    for r, rec in sorted(signed, key=lambda d: d[1].registry):  # each registry read once
        blob = kept.get(keys.get(r.path, b""))
        if blob is not None:
            text = zlib.decompress(blob)
            bundle = json.loads(text)
        else:
            bundle = build_bundle(content, r)
            text = bundle_json(bundle)
            if r.path in keys:
                fresh.append((keys[r.path], zlib.compress(text, 1)))
        voided_by = voids.get(rec.ref)
        if rec.registry not in names_by_registry:
            names_by_registry[rec.registry] = _target_names(data, rec.registry)
        entries.append(
            DrawEntry(
                r,
                rec,
                bundle,
                text,
                voided_by,
                bundle_path(rec, voided_by is not None),
                names_by_registry[rec.registry],
            )
        )
    if store is not None:
        store.put_blobs(fresh)
    entries.sort(key=lambda e: (e.draw.task, e.draw.id, e.draw.version))
    _ENTRIES[data] = entries
    return entries


def _bundle_keys(content: Content, draws: Sequence[Loaded]) -> dict[str, bytes]:
    """Record-cache keys of the site's draw bundles, by draw file.

    A bundle is made by re-running its draw from the records, and the exclusions look
    at every other draw and result, so the key covers every record of the content (its
    path, its signed data's digest and its signatures) and the bytes of every registry
    file, besides the code (the cache's fingerprint). Any change gives every bundle a new
    key: unchanged content builds its bundles from the cache, without re-running draws.
    """
    h = hashlib.sha256(b"gongkai site draw bundle 1\0")
    for r in sorted([*content.records, *content.config_records], key=lambda r: r.path):
        h.update(f"{r.path}\0{r.digest}\0".encode())
        h.update(json.dumps(r.signatures, sort_keys=True).encode() + b"\0")
        if isinstance(r.record, TargetRegistry):
            h.update(registry_sha256(Path(r.path).parent / r.record.file).encode())
    base = h.digest()
    return {r.path: blob_key(b"site-draw-bundle", base + r.path.encode()) for r in draws}


def _target_names(data: SiteData, registry_ref: str) -> dict[str, str]:
    """Target id -> name from the registry's public columns ({} if the name is private)."""
    for r in data.registries:
        reg = r.record
        if not isinstance(reg, TargetRegistry) or reg.ref != registry_ref:
            continue
        name_col = reg.column(reg.name_column)
        if name_col is None or name_col.visibility != "public":
            return {}
        path = Path(r.path).parent / reg.file
        return {row[reg.id_column]: row[reg.name_column] for row in public_rows(reg, str(path))}
    return {}


def draw_files(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """Each draw's bundle.json, bundle.js (the same text for file:// copies) and selection CSV."""
    for e in draw_entries(data):
        yield e.bundle_path, e.blob
        yield e.script_path, bundle_script(e.draw.ref, e.blob)
        yield e.csv_path, selection_csv(data, e)


def bundle_script(draw_ref: str, blob: bytes) -> bytes:
    """``bundle.js``: sets ``window.GONGKAI_BUNDLES[draw]`` to the bundle's exact text."""
    text = json.dumps(blob.decode("utf-8"), ensure_ascii=True)
    key = json.dumps(draw_ref, ensure_ascii=True)
    return (
        "// 摇号数据包（与同目录 bundle.json 内容相同），供离线打开的网站副本核验使用。\n"
        "// The draw bundle (the same text as bundle.json), for copies of the site opened from file://.\n"
        "window.GONGKAI_BUNDLES = window.GONGKAI_BUNDLES || {};\n"
        f"window.GONGKAI_BUNDLES[{key}] = {text};\n"
    ).encode()


# ---------------------------------------------------------------------------
# What the page shows


@dataclass
class _People:
    """Inspectors by id, public fields only (name and unit)."""

    names: dict[str, str]
    units: dict[str, str]
    joint: bool = False
    """Whether the draw's inspectors come from more than one unit (then units are shown)."""

    def show(self, pid: str) -> str:
        name = self.names.get(pid)
        if name is None:
            return f'<span class="gk-person">{esc(pid)}</span>'
        unit = f"<small>（{esc(self.units.get(pid, ''))}）</small>" if self.joint else ""
        return f'<span class="gk-person">{esc(name)}{unit}</span>'

    def plain(self, pid: str) -> str:
        name = self.names.get(pid)
        return f"{name}（{self.units.get(pid, '')}）" if name is not None else pid


def _people(data: SiteData, rec: Draw, bundle: Mapping[str, Any]) -> _People:
    names: dict[str, str] = {}
    units: dict[str, str] = {}
    for r in data.inspector_registries:
        reg = r.record
        if isinstance(reg, InspectorRegistry) and reg.ref == rec.inspector_registry:
            for p in reg.inspectors:
                names[p.id] = p.name
                dept = data.departments.get(p.unit)
                units[p.id] = dept.short_name if isinstance(dept, Department) else p.unit
    joint = len({p["unit"] for p in bundle["inspectors"]}) > 1
    return _People(names, units, joint)


def _plan_and_task(data: SiteData, rec: Draw) -> tuple[Loaded | None, Task | None]:
    plans = memo(data, "plans by ref", lambda: _plans_by_ref(data))
    found = plans.get(rec.plan)
    if found is None:
        return None, None
    return found[0], found[1].get(rec.task)


def _plans_by_ref(data: SiteData) -> dict[str, tuple[Loaded, dict[str, Task]]]:
    """The first plan of each ref, with its tasks by id (the first of each id)."""
    out: dict[str, tuple[Loaded, dict[str, Task]]] = {}
    for r in data.plans:
        plan = r.record
        if isinstance(plan, Plan) and plan.ref not in out:
            tasks: dict[str, Task] = {}
            for t in plan.tasks:
                tasks.setdefault(t.id, t)
            out[plan.ref] = (r, tasks)
    return out


def _column_labels(data: SiteData, rec: Draw) -> dict[str, str]:
    for r in data.registries:
        reg = r.record
        if isinstance(reg, TargetRegistry) and reg.ref == rec.registry:
            return {c.name: c.label for c in reg.columns}
    return {}


def _match_text(match: Mapping[str, str], labels: Mapping[str, str]) -> str:
    return "，".join(f"{labels.get(k, k)}：{v}" for k, v in match.items()) or "全部"


def _beijing(unix: int) -> str:
    return dt.datetime.fromtimestamp(unix, BEIJING).isoformat()


def _beacon_fields(rec: Draw, task: Task | None) -> list[tuple[str, str]]:
    b = rec.beacon
    fields = [("随机源", esc(SOURCE_LABELS.get(b.source, b.source)))]
    if b.source == "drand-quicknet" and b.round is not None:
        fields += [
            ("轮次", esc(b.round)),
            (
                "该轮产生时间",
                esc(_beijing(QUICKNET_GENESIS + (b.round - 1) * QUICKNET_PERIOD)) + "（北京时间）",
            ),
            ("随机值 randomness", f'<code class="gk-long">{esc(b.randomness)}</code>'),
            ("BLS 签名", f'<code class="gk-long">{esc(b.signature)}</code>'),
            ("链 chain hash", f'<code class="gk-long">{esc(b.chain_hash)}</code>'),
        ]
    else:
        label = "现场读出的数字" if b.source == "ceremony" else "开奖号码（RFC 3797 密钥串）"
        fields.append((label, f'<code class="gk-long">{esc(b.value)}</code>'))
        src = task.randomness if task is not None else None
        if src is not None and src.source == "ceremony":
            fields.append(("时间与地点", esc(f"{src.scheduled_at}，{src.place}")))
            fields.append(("须见证人签名", esc(f"{src.witnesses_required} 名")))
        elif src is not None and src.source == "lottery":
            fields.append(("开奖", esc(f"{src.lottery}（{src.draw_date}）")))
    return fields


def _ticket_of(pick: Mapping[str, Any]) -> str:
    if pick.get("ticket"):
        return str(pick["ticket"])
    if pick.get("position") is not None:
        return f"第 {pick['position']} 号，摘要 {pick.get('digest', '')}"
    return ""


def _stratum_of(bundle: Mapping[str, Any]) -> dict[str, int]:
    return {
        s["target"]: i for i, stratum in enumerate(bundle["strata"]) for s in stratum["selected"]
    }


def _wide_table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str) -> str:
    """A compact table that scrolls sideways on a narrow screen instead of being cut off."""
    return f'<div class="gk-scroll">{_table(headers, rows, cls)}</div>'


def _python_snippet(e: DrawEntry) -> str | None:
    """Three lines that re-run the selection with Rivest's own package (Rivest draws only)."""
    b = e.bundle
    strata = b["strata"]
    if b["algorithm"] != "rivest-consistent-sampler-1.0.10" or not strata:
        return None
    if any(not isinstance(s.get("ids"), list) for s in strata):
        return None
    takes = ", ".join(str(s["take"]) for s in strata)
    seed = json.dumps(b["seed"])
    return (
        "import json; from consistent_sampler import sampler  # pip install consistent-sampler==1.0.10\n"
        'with open("bundle.json", encoding="utf-8") as f: strata = json.load(f)["strata"]\n'
        f"for s, k in zip(strata, [{takes}]): "
        f'print(list(sampler(s["ids"], seed={seed}, take=k, output="id")))'
    )


def _verify_box(data: SiteData, e: DrawEntry, root: str) -> str:
    attrs = {
        "data-draw": e.draw.ref,
        "data-bundle": root + e.bundle_path,
        "data-bundle-script": root + e.script_path,
        "data-root-sha256": data.root_sha256 or "",
    }
    attr_text = " ".join(f'{k}="{esc(v)}"' for k, v in attrs.items())
    return (
        f'<div id="gk-verify" class="gk-verify" {attr_text}>'
        '<p><button type="button" class="md-button md-button--primary gk-verify-run">'
        "在浏览器中核验</button> "
        '<span class="gk-verify-progress" aria-live="polite"></span></p>'
        '<p class="gk-verify-note">核验全部在您的浏览器中完成：读取本页的摇号数据包，验证根信任、'
        "签名密钥登记册、摇号记录、计划和抽查事项的签名，按公式重算种子，重新抽取每个分层并重新分配检查人员，"
        "与签名记录逐项比对。浏览器无法核验的内容（信标的 BLS 签名、名录库快照、执法检查人员名录）"
        "会标为“未核验”，请用下方的命令行核验。</p>"
        "<noscript><p>浏览器核验需要启用 JavaScript；也可以用下方的命令行或 Python 代码核验。</p></noscript>"
        '<ol class="gk-verify-steps"></ol>'
        '<p class="gk-verify-verdict" role="status" aria-live="polite"></p>'
        '<p class="gk-verify-source"></p>'
        '<details class="gk-verify-file"><summary>核验已下载的数据包文件</summary>'
        '<p><label>选择 bundle.json 文件：<input type="file" accept=".json,application/json">'
        "</label></p></details>"
        "</div>"
    )


def _assignments_html(e: DrawEntry, people: _People) -> str:
    b = e.bundle
    parts = []
    if b["teams"]:
        parts.append(
            "### 检查组\n\n"
            + _wide_table(
                ["检查组", "成员"],
                (
                    [esc(t["team"]), "、".join(people.show(m) for m in t["members"])]
                    for t in b["teams"]
                ),
                "gk-compact",
            )
        )
    grouped = any(a.get("team") for a in b["assignments"])
    rows = []
    for i, a in enumerate(b["assignments"], start=1):
        members = "<br>".join(people.show(m) for m in a["members"])
        if grouped:
            members = esc(a.get("team") or "")
            reserves = "<br>".join(esc(t) for t in a["reserves"])
        else:
            reserves = "<br>".join(
                f"{n}. {people.show(p)}" for n, p in enumerate(a["reserves"], start=1)
            )
        recusals = "<br>".join(
            (people.show(r["inspector"]) if not grouped else esc(r["inspector"]))
            + f"（{esc(r['reason'])}）"
            for r in a.get("recusals", [])
        )
        name = e.names.get(a["target"], "")
        rows.append(
            [
                esc(i),
                esc(name) or "—",
                f'<span class="gk-code">{esc(a["target"])}</span>',
                members,
                reserves or "—",
                recusals or "—",
            ]
        )
    heads = [
        "序号",
        "名称",
        "统一社会信用代码",
        "检查组" if grouped else "检查人员",
        "递补（按顺序）",
        "回避",
    ]
    parts.append(
        ("### 每户的检查人员\n\n" if b["teams"] else "") + _wide_table(heads, rows, "gk-compact")
    )
    return "\n\n".join(parts)


def _draw_page(data: SiteData, e: DrawEntry) -> Page:
    rec = e.draw
    b = e.bundle
    root = "../" * e.url.count("/")
    plan_loaded, task = _plan_and_task(data, rec)
    labels = _column_labels(data, rec)
    people = _people(data, rec, b)
    task_title = task.title if task is not None else rec.task
    plan_link = (
        _link(f"{root}plans/{rec.plan.split('@')[0]}/", rec.plan)
        + (f"　{esc(task_title)}（任务 {esc(rec.task)}）")
        if plan_loaded is not None
        else esc(rec.plan)
    )
    parts: list[str] = []
    if e.voided_by is not None:
        parts.append(
            '<div class="admonition danger"><p class="admonition-title">已作废</p>'
            f"<p>此次摇号已被作废记录 {esc(e.voided_by)} 宣布作废，其结果不再有效。</p></div>"
        )
    parts.append(
        _dl(
            [
                ("摇号记录", esc(rec.ref)),
                ("抽查任务", plan_link),
                ("牵头部门", esc(data.dept_name(rec.department))),
                ("摇号时间", esc(rec.drawn_at)),
                ("摇号算法", esc(ALGORITHM_LABELS.get(rec.algorithm, rec.algorithm))),
                ("种子公式", f"<code>{esc(b['seed_formula'])}</code>"),
                ("种子 S", f'<code class="gk-long">{esc(rec.seed)}</code>'),
                (
                    "检查对象名录库",
                    esc(rec.registry)
                    + f'<br><code class="gk-long">{esc(rec.registry_sha256)}</code>',
                ),
                (
                    "执法检查人员名录库",
                    esc(rec.inspector_registry)
                    + f'<br><code class="gk-long">{esc(rec.inspector_registry_sha256)}</code>',
                ),
            ]
        )
    )
    parts.append("## 随机信标\n\n" + _dl(_beacon_fields(rec, task)))
    parts.append("## 在浏览器中核验\n\n" + _verify_box(data, e, root))

    # The pool and its strata.
    reasons = Counter(x["reason"] for x in b["excluded"])
    pool = sum(s["population"] for s in b["strata"])
    pool_fields = [
        ("范围内的检查对象", esc(f"{b['in_scope']} 户")),
        ("排除", esc(f"{len(b['excluded'])} 户")),
        ("对象池", esc(f"{pool} 户")),
    ]
    reason_table = _table(
        ["排除原因", "户数"],
        ([esc(EXCLUSION_LABELS.get(r, r)), esc(n)] for r, n in sorted(reasons.items())),
    )
    published_strata = e.loaded.signed.get("strata", [])
    strata_rows = []
    for i, s in enumerate(b["strata"]):
        committed = published_strata[i] if i < len(published_strata) else {}
        rule = (
            f"比例 {committed['ratio']}"
            if committed.get("ratio") is not None
            else f"数量 {committed.get('count', '')}"
        )
        strata_rows.append(
            [
                esc(_match_text(s["match"], labels)),
                esc(s["population"]),
                esc(rule),
                esc(s["take"]),
                f'<code class="gk-long">{esc(s.get("highest_ticket") or "—")}</code>',
            ]
        )
    strata_table = _table(
        ["分层", "对象数 N", "比例或数量", "抽取数 k", "最大中签票号"], strata_rows
    )
    parts.append(
        "## 对象池与分层\n\n"
        + _dl(pool_fields)
        + ("\n\n" + reason_table if reasons else "")
        + "\n\n"
        + (strata_table if b["strata"] else "<p>本任务不抽取检查对象（单随机）。</p>")
    )

    # The selection, in visiting order.
    stratum_of = _stratum_of(b)
    rfc = rec.algorithm == "rfc3797"
    rows = []
    for i, v in enumerate(b["visits"], start=1):
        s = stratum_of.get(v["target"])
        stratum = _match_text(b["strata"][s]["match"], labels) if s is not None else "—"
        rows.append(
            [
                esc(i),
                esc(e.names.get(v["target"], "")) or "—",
                f'<span class="gk-code">{esc(v["target"])}</span>',
                esc(stratum),
                f'<code class="gk-ticket">{esc(_ticket_of(v))}</code>',
            ]
        )
    order_note = (
        "按选取顺序排列（RFC 3797）。"
        if rfc
        else "按票号从小到大排列，即检查顺序；票号为完整精度。"
    )
    parts.append(
        f"## 抽中的检查对象（{len(b['visits'])} 户）\n\n<p>{esc(order_note)}</p>\n\n"
        + _wide_table(
            ["序号", "名称", "统一社会信用代码", "分层", "编号与摘要" if rfc else "票号"],
            rows,
            "gk-compact gk-selection",
        )
    )
    units = sorted({people.units.get(p["id"], p["unit"]) for p in b["inspectors"]})
    staff_note = "只公开检查人员的姓名和单位。" + (
        f"本次的检查人员均来自{'、'.join(units)}。" if not people.joint else ""
    )
    parts.append(f"## 检查人员\n\n<p>{esc(staff_note)}</p>\n\n" + _assignments_html(e, people))
    parts.append(
        "## 签名\n\n"
        + data.signatures_html(e.loaded)
        + f"\n\n<p>摇号记录的 SHA-256：<code>{esc(e.loaded.digest)}</code></p>"
    )

    # Check it yourself.
    bundle_href = root + e.bundle_path
    command = (
        "gongkai verify-draw "
        f'<span data-gk-url="{esc(bundle_href)}">{esc("https://<本站地址>/" + e.bundle_path)}</span>'
        f" --root {esc(data.root_sha256 or '<根信任 SHA-256>')}"
    )
    yourself = [
        "<p>用命令行核验（核验全部签名、信标的 BLS 签名、种子、抽取和人员分配）：</p>",
        f'<pre class="gk-cli"><code>{command}</code></pre>',
    ]
    snippet = _python_snippet(e)
    if snippet is not None:
        yourself += [
            "<p>或者只用 Rivest 的 consistent-sampler 包重现抽取结果（先下载 bundle.json）：</p>",
            f'<pre class="gk-python"><code class="language-python">{esc(snippet)}</code></pre>',
        ]
    elif rfc:
        yourself.append(
            "<p>RFC 3797 选取只用开奖号码（密钥串）和按编号排序的对象池，"
            "任何 RFC 3797 实现都可以重现。</p>"
        )
    parts.append("## 自行核验\n\n" + "\n".join(yourself))

    downloads = [
        _link(bundle_href, "摇号数据包 bundle.json"),
        _link(root + e.csv_path, "抽中名单 selection.csv（UTF-8，Excel 可直接打开）")
        + esc("：Excel 会把票号显示为截短的数字，完整票号以本页和 bundle.json 为准"),
        _link(f"{root}data/draw/{rec.id}-v{rec.version}.json", "摇号记录 JSON"),
        _link(f"{root}data/draw/{rec.id}-v{rec.version}.dsse.json", "DSSE 签名信封"),
    ]
    parts.append("## 下载\n\n<ul>" + "".join(f"<li>{d}</li>" for d in downloads) + "</ul>")
    return Page(e.page_path, f"摇号记录 {rec.id}", "\n\n".join(parts))


def selection_csv(data: SiteData, e: DrawEntry) -> bytes:
    """抽中名单 in visiting order: UTF-8 with BOM, CRLF, cells guarded against formulas."""
    b = e.bundle
    people = _people(data, e.draw, b)
    labels = _column_labels(data, e.draw)
    stratum_of = _stratum_of(b)
    by_target = {a["target"]: a for a in b["assignments"]}
    rfc = e.draw.algorithm == "rfc3797"
    head = ["序号", "统一社会信用代码", "名称", "分层", "编号与摘要" if rfc else "票号"]
    head += ["检查组", "检查人员", "递补人员（按顺序）"]
    lines = [",".join(head)]
    for i, v in enumerate(b["visits"], start=1):
        s = stratum_of.get(v["target"])
        a = by_target.get(v["target"], {})
        cells = [
            str(i),
            v["target"],
            e.names.get(v["target"], ""),
            _match_text(b["strata"][s]["match"], labels) if s is not None else "",
            _ticket_of(v),
            str(a.get("team") or ""),
            "、".join(people.plain(m) for m in a.get("members", [])),
            "、".join(
                people.plain(r) if not a.get("team") else str(r) for r in a.get("reserves", [])
            ),
        ]
        lines.append(",".join(_csv_cell(c) for c in cells))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _short_dept(data: SiteData, dept_id: str) -> str:
    dept = data.departments.get(dept_id)
    return dept.short_name if dept is not None else dept_id


def _short_source(rec: Draw) -> str:
    if rec.beacon.source == "drand-quicknet":
        return f"drand 第 {rec.beacon.round} 轮"
    return SOURCE_LABELS.get(rec.beacon.source, rec.beacon.source)


def draws_index(data: SiteData, entries: Sequence[DrawEntry]) -> Page:
    rows = []
    for e in entries:
        _, task = _plan_and_task(data, e.draw)
        href = e.url.removeprefix("draws/")
        rows.append(
            [
                _link(href, e.draw.id),
                esc(task.title if task is not None else e.draw.task),
                esc(_short_dept(data, e.draw.department)),
                esc(e.draw.drawn_at[:16].replace("T", " ")),
                esc(f"{len(e.bundle['visits'])} 户"),
                esc(_short_source(e.draw)),
                esc("已作废" if e.voided_by else "有效"),
            ]
        )
    intro = (
        "<p>每次摇号都公开其种子、随机信标、对象池、抽中名单（含完整票号）和检查人员分配，"
        "并附可离线核验的摇号数据包。任何人都可以在浏览器中或用命令行重新核验。</p>"
    )
    body = (
        intro
        + "\n\n"
        + _wide_table(
            ["摇号记录", "抽查任务", "牵头部门", "摇号时间", "抽中", "随机源", "状态"],
            rows,
            "gk-compact gk-draws",
        )
    )
    return Page("draws/index.md", "摇号记录", body)


def draw_pages(data: SiteData) -> Iterator[Page]:
    """Every draw's page and the listing."""
    entries = draw_entries(data)
    for e in entries:
        yield _draw_page(data, e)
    yield draws_index(data, entries)


def task_draw_links(data: SiteData, task_id: str, root: str) -> str:
    """Links to a task's draw pages (for the plan page), or '' when it has none."""
    links = [
        _link(root + e.url, e.draw.id + ("（已作废）" if e.voided_by else ""))
        for e in memo(data, "draws by task", lambda: _by_task(draw_entries(data))).get(task_id, [])
    ]
    return "<br>".join(links)


def _by_task(entries: list[DrawEntry]) -> dict[str, list[DrawEntry]]:
    out: dict[str, list[DrawEntry]] = {}
    for e in entries:
        out.setdefault(e.draw.task, []).append(e)
    return out
