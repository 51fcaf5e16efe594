"""Pages of the public site, rendered from validated records.

Every page is a Markdown title followed by raw HTML blocks. Every string
that comes from a record passes through :func:`esc`, so a name such as
``<script>`` is shown, never run; the HTML blocks contain no blank lines, so
Markdown never reinterprets them. Only the public view of a record
(:mod:`generator.publish`) is rendered.

Labels shown to readers live in :data:`LABELS`, in one place.
"""

from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from .. import clock
from ..content import Loaded
from ..envelope import dsse_envelope
from ..models import (
    ChecklistItem,
    Department,
    Draw,
    InspectorRegistry,
    KeyEntry,
    KeyRegistry,
    Plan,
    Result,
    ResultCodeList,
    Root,
    TargetRegistry,
)
from ..publish import public_columns, public_data, public_rows
from ..signing import keyid_of
from ..validate import Report
from ..workdays import Calendar

LABELS = {
    "home": "首页",
    "departments": "部门",
    "checklist": "抽查事项清单",
    "registries": "检查对象名录库",
    "inspectors": "执法检查人员",
    "plans": "年度抽查计划",
    "results": "检查结果公告",
    "data": "开放数据",
    "demo": "示例数据：本站内容为虚构辖区的演示数据，不代表任何真实机关或市场主体。",
    "category": "事项类别",
    "legal_basis": "抽查依据",
    "inspecting_body": "抽查主体",
    "target_type": "抽查对象",
    "content": "抽查内容",
    "methods": "抽查方式",
    "third_party": "第三方协助",
    "ratio": "抽查比例",
    "frequency": "抽查频次",
    "joint_departments": "联合抽查部门",
    "publication": "公开方式",
    "expertise": "所需业务专长",
    "effective_from": "生效日期",
    "change_note": "修订说明",
    "form": "检查表",
    "versions": "版本历史",
    "private": "不公开",
    "uncapped": "不设上限",
    "signatures": "签名",
    "unsigned": "此记录尚未签名（草稿）。",
    "trust": "根信任与签名密钥",
    # 首页, 抽查任务公告, 检查结果公告, 执法人员, feed (generator/site/pages.py)
    "home_intro": "本平台公开“双随机、一公开”监管的全部记录：随机抽查事项清单、检查对象名录库和执法检查人员名录库、"
    "年度抽查计划及抽查任务公告、摇号记录、检查结果公告。每一条记录都经过格式校验，并由发布部门签名。",
    "latest": "最新公告",
    "feed": "订阅最新公告（Atom）",
    "year_tasks": "{year}年度抽查任务",
    "year_draws": "{year}年度摇号记录",
    "year_results": "{year}年度检查结果公告",
    "overdue": "逾期事项",
    "overdue_note": "检查结果应自检查完成之日起 20 个工作日内公示；年度抽查计划应于 1 月底前编制完成；"
    "摇号后应在抽查任务规定的工作日内开始检查。工作日按国务院办公厅公布的当年节假日安排计算"
    "（法定节假日不计，调休上班日计入）。尚未公示的检查结果列在最前，其余按逾期工作日由多到少排列。",
    "no_overdue": "没有逾期事项。",
    "late_R1": "检查结果逾期公示",
    "late_R2": "年度抽查计划逾期发布",
    "late_R3": "逾期开始检查",
    "late_R4": "{n} 户尚未公示检查结果",
    "before_draw": "摇号前即开始检查",
    "no_draw": "尚未摇号",
    "no_result": "尚未公示",
    "withheld": "（依法不予公开）",
    "task_notice": "{dept}{year}年度第{number}号抽查任务公告",
    "result_notice": "{dept}{year}年度第{number}号抽查任务检查结果公告（{id}）",
    "commitments": "摇号前的承诺",
    "commitments_note": "以下内容在摇号之前已随计划签名发布，摇号只能按此进行：名录库快照、分层与比例、随机源及其产生时间。",
    "registry_sha256": "名录库快照 SHA-256",
    "plan_sha256": "计划记录 SHA-256",
    "strata_by": "分层依据",
    "strata": "分层与抽查比例",
    "stratum": "分层",
    "stratum_ratio": "比例或数量",
    "source": "随机源",
    "round": "信标轮次",
    "round_at": "产生时间",
    "place": "地点",
    "witnesses": "须见证人签名（名）",
    "lottery": "彩票",
    "countdown_status": "随机数状态",
    "arrived": "已产生",
    "pending": "尚未产生（约 {days} 天后）",
    "countdown": "距产生还有",
    "draws": "摇号记录",
    "redacted": "依法不予公开（{reason}；依据：{ground}）",
    "late_days": "逾期 {days} 个工作日",
    "late_count": "{n} 户逾期公示",
    "on_time": "按时",
    "deadline": "公示时限",
    "deadline_text": "检查完成后 {days} 个工作日内；本公告中逾期公示 {late} 户",
    "member": "检查人员",
    "reserve": "递补人员",
    "assignments": "摇号分配记录",
    "assignments_note": "此人在已公开的摇号中被随机分配为检查人员 {m} 次、递补人员 {r} 次。",
    "inspectors_note": "只公开姓名、职务、工作单位、执法证号、执法资质和业务专长；性别、出生日期、手机号码不公开。",
    "page_of": "第 {n} 页，共 {k} 页：",
    "assignments_page": "{title}：摇号分配记录第 {n} 页",
    "inspectors_page": "执法检查人员（第 {n} 页）",
    "back_to": "返回 {title}",
    "inspector_targets": "检查对象",
    "diff_title": "第 {old} 版 → 第 {new} 版",
    "no_change": "两版之间公开字段没有变化。",
    "kind_task": "抽查任务公告",
    "kind_draw": "摇号记录",
    "kind_result": "检查结果公告",
    "item_results": "分项结果：",
    "overdue_more": "另有 {n} 项逾期，见各检查结果公告。",
}


KIND_LABELS = {
    "department": "部门",
    "checklist-item": "抽查事项",
    "target-registry": "检查对象名录库",
    "inspector-registry": "执法检查人员名录库",
    "plan": "年度抽查计划",
    "result": "检查结果",
    "draw": "摇号记录",
    "void": "作废记录",
}


_MARKDOWN_CHARS = str.maketrans({c: f"&#{ord(c)};" for c in "[]`*_\\!"})


def esc(value: object) -> str:
    """HTML-escape any value for text and attribute context.

    Markdown's own syntax characters become numeric character references too, so that
    a record string in a Markdown heading (``# …``) can never become a link such as
    ``[x](javascript:alert(1))``, an image or emphasis; browsers show the same text.
    """
    return html.escape(str(value), quote=True).translate(_MARKDOWN_CHARS)


def _table(headers: Iterable[str], rows: Iterable[Iterable[object]], cls: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dl(pairs: Iterable[tuple[str, str]]) -> str:
    return (
        '<dl class="gk-fields">'
        + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
        + "</dl>"
    )


def _link(href: str, text: object) -> str:
    # Raw HTML is not rewritten by MkDocs: with directory URLs a page X.md is served at X/.
    if href.endswith(".md"):
        href = href[:-3] + "/"
        if href == "index/" or href.endswith("/index/"):
            href = href.removesuffix("index/") or "./"
    return f'<a href="{esc(href)}">{esc(text)}</a>'


@dataclass
class Page:
    """A generated page: where it goes and its Markdown source."""

    path: str
    title: str
    body: str
    wide: bool = False
    """Hide the table of contents (Material's ``hide: [toc]``) to give wide tables room."""

    def markdown(self, demo: bool) -> str:
        banner = (
            f'<div class="admonition warning"><p>{esc(LABELS["demo"])}</p></div>\n\n'
            if demo
            else ""
        )
        meta = "---\nhide:\n  - toc\n---\n\n" if self.wide else ""
        return f"{meta}# {esc(self.title)}\n\n{banner}{self.body}\n"


class SiteData:
    """The validated content, indexed for rendering."""

    def __init__(self, report: Report) -> None:
        self.report = report
        content = report.content
        self.site = content.site
        self.departments: dict[str, Department] = {}
        self.items: dict[str, dict[int, Loaded]] = defaultdict(dict)
        self.registries: list[Loaded] = []
        self.inspector_registries: list[Loaded] = []
        self.plans: list[Loaded] = []
        self.results: list[Loaded] = []
        self.codes: ResultCodeList | None = None
        self.roots: list[Loaded] = []
        self.key_registries: list[Loaded] = []
        for r in content.records:
            rec = r.record
            if isinstance(rec, Root):
                self.roots.append(r)
            elif isinstance(rec, KeyRegistry):
                self.key_registries.append(r)
            elif isinstance(rec, Department):
                self.departments[rec.id] = rec
            elif isinstance(rec, ChecklistItem):
                self.items[rec.id][rec.version] = r
            elif isinstance(rec, TargetRegistry):
                self.registries.append(r)
            elif isinstance(rec, InspectorRegistry):
                self.inspector_registries.append(r)
            elif isinstance(rec, Plan):
                self.plans.append(r)
            elif isinstance(rec, Result):
                self.results.append(r)
        for r in content.config_records:
            if (
                isinstance(r.record, ResultCodeList)
                and self.site
                and r.record.ref == self.site.result_codes
            ):
                self.codes = r.record

        self.calendar: Calendar = content.calendar
        """The official working-day calendar (lateness is counted with it)."""

        self.roots.sort(key=lambda r: r.record.version)
        self.key_registries.sort(key=lambda r: r.record.version)
        latest = self.key_registries[-1].record if self.key_registries else None
        self.keys: dict[str, KeyEntry] = (
            {k.keyid: k for k in latest.keys} if isinstance(latest, KeyRegistry) else {}
        )

    @property
    def root_sha256(self) -> str | None:
        return self.roots[0].digest if self.roots else None

    def signatures_html(self, r: Loaded) -> str:
        """Who signed a record, with each key's label and role."""
        if r.signatures is None:
            return f"<p>{esc(LABELS['unsigned'])}</p>"
        root_keys = {
            keyid_of(k.public): (k.label, f"根密钥：{k.holder}")
            for root in self.roots
            if isinstance(root.record, Root)
            for k in root.record.keys
        }
        rows = []
        for s in r.signatures:
            keyid = str(s.get("keyid", "")) if isinstance(s, dict) else ""
            key = self.keys.get(keyid)
            if key is not None:
                label = key.label
                role = (
                    f"见证人：{key.witness_kind}"
                    if key.role == "witness"
                    else self.dept_name(key.department or "")
                )
            else:
                label, role = root_keys.get(keyid, ("（未登记的密钥）", ""))
            rows.append([esc(label), esc(role), f"<code>{esc(keyid[:16])}…</code>"])
        return _table(["签名者", "身份", "keyid"], rows)

    def dept_name(self, dept_id: str) -> str:
        dept = self.departments.get(dept_id)
        return dept.name if dept else dept_id

    def item_name(self, ref: str) -> str:
        """A checklist item's name with its reference, "名称（SCJG-001@1）"."""
        item_id, _, version = ref.partition("@")
        r = self.items.get(item_id, {}).get(int(version)) if version.isdigit() else None
        if r is None or not isinstance(r.record, ChecklistItem):
            return ref
        return f"{r.record.name}（{ref}）"

    def code_label(self, code: str) -> str:
        if self.codes is None:
            return code
        node = self.codes.flat().get(code)
        return f"{code} {node[0].label}" if node else code


T = TypeVar("T")


def memo(data: SiteData, name: str, make: Callable[[], T]) -> T:
    """``make()``, once per build (kept on ``data``): the indexes pages look things up
    in, so that a province's 10,000 task pages do not each read every draw."""
    cache: dict[str, Any] = data.__dict__.setdefault("_memo", {})
    if name not in cache:
        cache[name] = make()
    return cast(T, cache[name])


def _latest(versions: dict[int, Loaded]) -> Loaded:
    return versions[max(versions)]


def _item_page(data: SiteData, item_id: str) -> Page:
    versions = data.items[item_id]
    latest = _latest(versions)
    item = latest.record
    assert isinstance(item, ChecklistItem)
    ratio = f"不低于 {esc(item.ratio.min)}，" + (
        f"不高于 {esc(item.ratio.max)}" if item.ratio.max is not None else esc(LABELS["uncapped"])
    )
    if item.ratio.override_reason:
        ratio += f"（{esc(item.ratio.override_reason)}）"
    fields = [
        ("编号", esc(item.ref)),
        ("序号", esc(item.seq)),
        (LABELS["category"], esc(item.category + "检查事项")),
        (LABELS["legal_basis"], "<br>".join(esc(b.law + b.articles) for b in item.legal_basis)),
        (LABELS["inspecting_body"], esc(item.inspecting_body)),
        (LABELS["target_type"], esc(item.target_type)),
        (LABELS["content"], esc(item.content)),
        (LABELS["methods"], esc("、".join(item.methods))),
        (LABELS["ratio"], ratio),
        (LABELS["frequency"], esc(item.frequency)),
        (
            LABELS["joint_departments"],
            esc("、".join(data.dept_name(d) for d in item.joint_departments) or "无"),
        ),
        (LABELS["publication"], esc(item.publication)),
        (LABELS["effective_from"], esc(item.effective_from)),
    ]
    if item.third_party:
        fields.append((LABELS["third_party"], esc(item.third_party)))
    if item.expertise:
        fields.append((LABELS["expertise"], esc("、".join(item.expertise))))
    form = _table(
        ["编号", "检查内容", "检查依据", "可能结果"],
        (
            [
                esc(q.id),
                esc(q.text),
                "<br>".join(esc(b.law + b.articles) for b in q.legal_basis),
                esc("、".join(q.findings)),
            ]
            for q in item.form.questions
        ),
    )
    from .pages import item_diff_html

    diff = item_diff_html(versions)
    history = _table(
        ["版本", LABELS["effective_from"], LABELS["change_note"], "SHA-256"],
        (
            [
                esc(v),
                esc(r.record.effective_from) if isinstance(r.record, ChecklistItem) else "",
                esc(getattr(r.record, "change_note", None) or "首次发布"),
                f"<code>{esc(r.digest)}</code>",
            ]
            for v, r in sorted(versions.items(), reverse=True)
        ),
    )
    body = (
        _dl(fields)
        + f"\n\n## {esc(LABELS['form'])}\n\n{form}\n\n## {esc(LABELS['versions'])}\n\n{history}\n"
        + (f"\n\n{diff}\n" if diff else "")
        + _signature_section(data, latest)
    )
    return Page(f"checklist/{item_id}.md", f"{item.name}", body)


def _signature_section(data: SiteData, r: Loaded) -> str:
    kind = type(r.record).KIND
    base = f"../../data/{kind}/{r.record.id}-v{r.record.version}"  # from <section>/<id>/
    links = [_link(f"{base}.json", "记录 JSON")]
    if _dsse_publishable(r):
        links.append(_link(f"{base}.dsse.json", "DSSE 签名信封"))
    else:
        links.append(esc("（此记录含依法不公开的字段，签名须以完整记录核验）"))
    return (
        f"\n\n## {esc(LABELS['signatures'])}\n\n{data.signatures_html(r)}\n\n"
        f"<p>SHA-256：<code>{esc(r.digest)}</code>　{'　'.join(links)}</p>\n"
    )


def _checklist_index(data: SiteData) -> Page:
    by_dept: dict[str, list[ChecklistItem]] = defaultdict(list)
    for versions in data.items.values():
        rec = _latest(versions).record
        assert isinstance(rec, ChecklistItem)
        by_dept[rec.department].append(rec)
    parts = []
    for dept_id in sorted(
        by_dept, key=lambda d: list(data.departments).index(d) if d in data.departments else 99
    ):
        items = sorted(by_dept[dept_id], key=lambda i: i.seq)
        parts.append(
            f"## {esc(data.dept_name(dept_id))}\n\n"
            + _table(
                ["序号", "事项名称", "类别", "抽查依据", "抽查比例", "版本"],
                (
                    [
                        esc(i.seq),
                        _link(f"{i.id}.md", i.name),
                        esc(i.category),
                        "<br>".join(esc(b.law + b.articles) for b in i.legal_basis),
                        esc(f"{i.ratio.min}–{i.ratio.max or LABELS['uncapped']}"),
                        esc(f"v{i.version}"),
                    ]
                    for i in items
                ),
            )
        )
    return Page("checklist/index.md", LABELS["checklist"], "\n\n".join(parts))


def _registry_page(r: Loaded) -> tuple[Page, Counter[str]]:
    reg = r.record
    assert isinstance(reg, TargetRegistry)
    cols = _table(
        ["列", "名称", "类型", "公开"],
        (
            [
                esc(c.name),
                esc(c.label),
                esc(c.type),
                esc("公开" if c.visibility == "public" else LABELS["private"]),
            ]
            for c in reg.columns
        ),
    )
    enum_cols = [c for c in reg.columns if c.type in ("enum", "bool") and c.visibility == "public"]
    counts: dict[str, Counter[str]] = {c.name: Counter() for c in enum_cols}
    csv_path = Path(r.path).parent / reg.file
    total = Counter[str]()
    for row in public_rows(reg, str(csv_path)):
        total["rows"] += 1
        for c in enum_cols:
            counts[c.name][row[c.name]] += 1
    dists = []
    for c in enum_cols:
        dists.append(
            f"### {esc(c.label)}\n\n"
            + _table(
                [c.label, "数量"], ([esc(k), esc(v)] for k, v in sorted(counts[c.name].items()))
            )
        )
    body = (
        _dl(
            [
                ("快照日期", esc(reg.snapshot_date)),
                ("维护部门", esc(reg.department)),
                ("检查对象数量", esc(reg.rows)),
                ("SHA-256", f"<code>{esc(reg.sha256)}</code>"),
                (
                    "下载（仅公开列）",
                    _link(
                        f"../../data/registries/{reg.id}-v{reg.version}.csv",
                        f"{reg.id}-v{reg.version}.csv",
                    ),
                ),
            ]
        )
        + f"\n\n## 字段\n\n{cols}\n\n## 分布\n\n"
        + "\n\n".join(dists)
    )
    return Page(f"registries/{reg.id}-v{reg.version}.md", reg.name, body), total


def _trust_page(data: SiteData) -> Page:
    parts = []
    if data.root_sha256:
        parts.append(
            "<p>根信任（第 1 版）的 SHA-256——核验时请固定它："
            f'<br><code class="gk-code">{esc(data.root_sha256)}</code></p>'
            f"<pre><code>gongkai verify --root-sha256 {esc(data.root_sha256)}</code></pre>"
        )
    for r in data.roots:
        root = r.record
        assert isinstance(root, Root)
        parts.append(
            f"## 根信任 第 {esc(root.version)} 版\n\n"
            + _dl(
                [
                    ("发布日期", esc(root.published_on)),
                    ("有效期至", esc(root.expires)),
                    ("根密钥签名门槛", esc(f"{root.threshold} / {len(root.keys)}")),
                    (
                        "登记册签名门槛",
                        esc(f"{root.key_registry.threshold} / {len(root.key_registry.keys)}"),
                    ),
                    ("SHA-256", f"<code>{esc(r.digest)}</code>"),
                ]
            )
            + "\n\n"
            + _table(
                ["根密钥", "保管单位", "keyid"],
                (
                    [esc(k.label), esc(k.holder), f"<code>{esc(keyid_of(k.public)[:16])}…</code>"]
                    for k in root.keys
                ),
            )
            + "\n\n"
            + data.signatures_html(r)
        )
    if data.key_registries:
        r = data.key_registries[-1]
        reg = r.record
        assert isinstance(reg, KeyRegistry)
        rows = []
        for k in reg.keys:
            owner = data.dept_name(k.department) if k.department else f"见证人：{k.witness_kind}"
            status = "有效"
            if k.revocation is not None:
                status = (
                    f"已泄露（自 {k.revocation.compromised_since} 起的签名无效）"
                    if k.revocation.reason == "compromised"
                    else f"已更换（{k.revocation.at}）"
                )
            rows.append(
                [
                    esc(k.label),
                    esc(owner),
                    esc("、".join(KIND_LABELS.get(x, x) for x in k.kinds)),
                    esc(f"{k.valid_from} 至 {k.valid_until}"),
                    esc(status),
                    f"<code>{esc(k.keyid[:16])}…</code>",
                ]
            )
        parts.append(
            f"## 签名密钥登记册 第 {esc(reg.version)} 版\n\n"
            + _table(["密钥", "所属", "可签名的记录", "有效期", "状态", "keyid"], rows)
            + "\n\n"
            + data.signatures_html(r)
        )
    return Page("trust/index.md", LABELS["trust"], "\n\n".join(parts))


def _list_page(path: str, title: str, links: list[tuple[str, str]]) -> Page:
    body = "<ul>" + "".join(f"<li>{_link(h, t)}</li>" for h, t in links) + "</ul>"
    return Page(path, title, body)


def render_pages(data: SiteData) -> Iterator[Page]:
    """Every generated page of the site."""

    from . import pages

    yield pages.home_page(data, clock.today())
    yield _checklist_index(data)
    for item_id in sorted(data.items):
        yield _item_page(data, item_id)
    reg_links = []
    for r in data.registries:
        page, _ = _registry_page(r)
        reg_links.append((Path(page.path).name, page.title))
        yield page
    yield _list_page("registries/index.md", LABELS["registries"], reg_links)
    yield from pages.inspector_pages(data)
    plan_links = []
    for r in data.plans:
        page = pages.plan_page(data, r)
        plan_links.append((Path(page.path).name, page.title))
        yield page
        plan = r.record
        assert isinstance(plan, Plan)
        for task in plan.tasks:
            yield pages.task_page(data, r, plan, task, clock.now())
    yield _list_page("plans/index.md", LABELS["plans"], plan_links)
    from .draws import draw_pages

    yield from draw_pages(data)
    for r in data.results:
        yield pages.result_page(data, r)
    yield pages.results_index(data)
    dept_rows = (
        [esc(d.name), esc(d.short_name), esc(d.office_phone or ""), esc(d.address or "")]
        for d in data.departments.values()
    )
    yield _trust_page(data)
    yield Page(
        "departments/index.md",
        LABELS["departments"],
        _table(["名称", "简称", "办公电话", "地址"], dept_rows),
    )


def _dsse_publishable(r: Loaded) -> bool:
    """A DSSE envelope can be published when the record is signed and has nothing private."""
    return r.signatures is not None and public_data(r.record, r.signed) == r.signed


def bundle_path(draw: Draw, voided: bool) -> str:
    """Where a draw's bundle is published: the live draw of a task at
    ``draws/<task>/bundle.json``, a voided one beside it under its own id."""
    if voided:
        return f"draws/{draw.task}/{draw.id}.bundle.json"
    return f"draws/{draw.task}/bundle.json"


def draw_bundles(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """Every draw's bundle (gongkai-draw-bundle/1), re-run from the records, with the
    bundle.js and selection CSV beside it (generator/site/draws.py)."""
    from .draws import draw_files

    yield from draw_files(data)


def data_files(data: SiteData) -> Iterator[tuple[str, bytes]]:
    """Open data: every record's public JSON (and DSSE envelope), each registry's public CSV
    and every draw's bundle."""
    yield from draw_bundles(data)
    for r in [*data.report.content.records, *data.report.content.config_records]:
        kind = type(r.record).KIND
        doc = public_data(r.record, r.signed)
        base = f"data/{kind}/{r.record.id}-v{r.record.version}"
        yield (f"{base}.json", _compact(doc))
        if _dsse_publishable(r):
            yield (
                f"{base}.dsse.json",
                _compact(dsse_envelope(r.signed, r.signatures)),
            )
    for r in data.registries:
        reg = r.record
        assert isinstance(reg, TargetRegistry)
        cols = public_columns(reg)
        lines = [",".join(cols)]
        for row in public_rows(reg, str(Path(r.path).parent / reg.file)):
            lines.append(",".join(_csv_cell(row[c]) for c in cols))
        # UTF-8 with BOM so that Excel opens it correctly.
        yield (
            f"data/registries/{reg.id}-v{reg.version}.csv",
            ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"),
        )


def _compact(doc: object) -> bytes:
    """Compact UTF-8 JSON with a final newline (json's C encoder writes it; an indent
    would make it four times slower and the files a third larger)."""
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _csv_cell(value: str) -> str:
    # A leading = + - @ (or tab, CR) would be a formula in Excel, quoted or not: prefix it
    # so it stays text; then quote what needs quoting.
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
