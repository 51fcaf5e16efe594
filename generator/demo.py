"""Generate the synthetic parts of the demonstration content, deterministically.

    python -m generator.demo [--content content]

The demonstration jurisdiction is the fictional 示例县. The hand-written parts
(the checklist items under ``content/checklist/``) are read, not written; this
module writes the departments, the target registry (5,000 synthetic
entities with valid 统一社会信用代码), the inspector registry, the 2023 annual
plan and the result notices. Running it twice gives byte-identical files.

Values are derived from SHA-256 of a fixed label and a counter, never from
``random``, so that any Python version gives the same content.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .codes import USCC_ALPHABET, uscc_check_char
from .content import load_record_file
from .models import ChecklistItem
from .yamlwrite import dump_yaml

DEMO_NOTE = (
    "# 示例数据（虚构辖区“示例县”），仅供演示。由 python -m generator.demo 生成，请勿手工修改。\n"
)
PLAN_YEAR = 2023
REGISTRY_ROWS = 5000

DEPARTMENTS: list[dict[str, str]] = [
    {
        "id": "scjgj",
        "name": "示例县市场监督管理局",
        "short_name": "县市场监管局",
        "phone": "0832-6210001",
    },
    {
        "id": "sthjj",
        "name": "示例市生态环境局示例县分局",
        "short_name": "县生态环境分局",
        "phone": "0832-6210002",
    },
    {
        "id": "yjglj",
        "name": "示例县应急管理局",
        "short_name": "县应急管理局",
        "phone": "0832-6210003",
    },
    {
        "id": "wsjkj",
        "name": "示例县卫生健康局",
        "short_name": "县卫生健康局",
        "phone": "0832-6210004",
    },
    {
        "id": "zjj",
        "name": "示例县住房和城乡建设局",
        "short_name": "县住房城乡建设局",
        "phone": "0832-6210005",
    },
    {
        "id": "jtysj",
        "name": "示例县交通运输局",
        "short_name": "县交通运输局",
        "phone": "0832-6210006",
    },
    {
        "id": "wlj",
        "name": "示例县文化广播电视和旅游局",
        "short_name": "县文广旅局",
        "phone": "0832-6210007",
    },
    {
        "id": "rsj",
        "name": "示例县人力资源和社会保障局",
        "short_name": "县人社局",
        "phone": "0832-6210008",
    },
]

INDUSTRIES = [
    ("餐饮服务", 14),
    ("食品销售", 12),
    ("食品生产", 4),
    ("批发零售", 16),
    ("住宿", 5),
    ("建筑施工", 6),
    ("道路运输", 5),
    ("化工", 2),
    ("制造业", 10),
    ("医药零售", 3),
    ("娱乐场所", 3),
    ("旅行社", 2),
    ("美容美发", 6),
    ("医疗机构", 2),
    ("其他服务", 10),
]
REGIONS = [
    "城关镇",
    "东溪镇",
    "南坝镇",
    "西林乡",
    "北山镇",
    "石桥镇",
    "龙泉镇",
    "白塔镇",
    "清水乡",
    "高峰镇",
    "永安镇",
    "太平镇",
]
ENTITY_TYPES = [
    ("有限责任公司", 52),
    ("个体工商户", 40),
    ("农民专业合作社", 4),
    ("股份有限公司", 4),
]
CREDIT = [("A", 30), ("B", 50), ("C", 15), ("D", 5)]
RISK = [("低", 55), ("中", 35), ("高", 10)]
STATUS = [("存续", 93), ("停业", 3), ("注销", 2), ("吊销", 1), ("撤销", 1)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞鹏辉建国志红梅琳斌宇浩凯健俊帆"
TRADE_NAMES = "鑫隆盛达兴源福瑞祥和顺通宏泰永安金诚信德嘉华富康恒昌荣佳美新光明辉宝丰益聚汇"
ROADS = [
    "人民路",
    "解放路",
    "建设路",
    "文化街",
    "滨河路",
    "新华街",
    "和平路",
    "中山路",
    "工业园路",
    "春风路",
]
INDUSTRY_WORDS = {
    "餐饮服务": ["餐馆", "火锅店", "小吃店", "餐饮管理有限公司"],
    "食品销售": ["超市", "食品店", "副食店", "商贸有限公司"],
    "食品生产": ["食品有限公司", "酱园厂", "粮油加工厂"],
    "批发零售": ["百货商店", "商贸有限公司", "五金店", "日用品经营部"],
    "住宿": ["宾馆", "酒店有限公司", "客栈"],
    "建筑施工": ["建筑工程有限公司", "建设有限公司"],
    "道路运输": ["运输有限公司", "物流有限公司"],
    "化工": ["化工有限公司"],
    "制造业": ["机械制造有限公司", "塑料制品厂", "家具厂"],
    "医药零售": ["大药房", "药店"],
    "娱乐场所": ["KTV", "娱乐有限公司"],
    "旅行社": ["旅行社有限公司"],
    "美容美发": ["美发店", "美容院"],
    "医疗机构": ["诊所", "口腔门诊部"],
    "其他服务": ["家政服务部", "广告有限公司", "信息咨询服务部"],
}

EXPERTISE_BY_DEPARTMENT = {
    "scjgj": [
        "食品安全",
        "特种设备",
        "食品安全",
        "产品质量",
        "计量",
        "食品安全",
        "广告监管",
        "价格监管",
        "药品医疗器械",
        "特种设备",
    ],
    "sthjj": ["环境监测"],
    "yjglj": ["安全生产", "危险化学品", "消防安全"],
    "wsjkj": ["公共卫生", "医疗执业"],
    "zjj": ["建筑施工"],
    "jtysj": ["道路运输"],
    "wlj": ["文化市场", "旅游市场"],
    "rsj": ["劳动保障"],
}
INSPECTORS_PER_DEPARTMENT = {
    "scjgj": 20,
    "sthjj": 6,
    "yjglj": 8,
    "wsjkj": 8,
    "zjj": 6,
    "jtysj": 6,
    "wlj": 6,
    "rsj": 6,
}


class Rng:
    """A deterministic stream of choices: SHA-256 of a label and a counter."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.counter = 0

    def below(self, n: int) -> int:
        self.counter += 1
        digest = hashlib.sha256(f"{self.label}|{self.counter}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % n

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.below(len(options))]

    def weighted(self, options: Sequence[tuple[str, int]]) -> str:
        total = sum(w for _, w in options)
        pick = self.below(total)
        for value, weight in options:
            if pick < weight:
                return value
            pick -= weight
        raise AssertionError("unreachable")  # pragma: no cover

    def sample(self, options: Sequence[Any], k: int) -> list[Any]:
        pool = list(options)
        out = []
        for _ in range(min(k, len(pool))):
            out.append(pool.pop(self.below(len(pool))))
        return out


def make_uscc(rng: Rng, entity_type: str) -> str:
    """A synthetic 统一社会信用代码 with a valid check character."""
    category = {"个体工商户": "92", "农民专业合作社": "93"}.get(entity_type, "91")
    body = (
        category
        + "519031"
        + "".join(rng.choice(USCC_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + uscc_check_char(body)


def write_yaml(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEMO_NOTE + dump_yaml(data), encoding="utf-8")


@dataclass
class Entity:
    uscc: str
    name: str
    entity_type: str
    industry: str
    region: str
    credit_class: str
    risk_level: str
    foreign: str
    status: str
    address: str
    person_in_charge: str
    phone: str
    registered_on: str


REGISTRY_COLUMNS: list[dict[str, Any]] = [
    {"name": "uscc", "label": "统一社会信用代码", "type": "uscc", "visibility": "public"},
    {"name": "name", "label": "名称", "type": "text", "visibility": "public"},
    {
        "name": "entity_type",
        "label": "市场主体类型",
        "type": "enum",
        "visibility": "public",
        "values": [v for v, _ in ENTITY_TYPES],
    },
    {
        "name": "industry",
        "label": "行业类别",
        "type": "enum",
        "visibility": "public",
        "values": [v for v, _ in INDUSTRIES],
    },
    {
        "name": "region",
        "label": "所属区域",
        "type": "enum",
        "visibility": "public",
        "values": REGIONS,
    },
    {
        "name": "credit_class",
        "label": "信用等级",
        "type": "enum",
        "visibility": "public",
        "values": [v for v, _ in CREDIT],
    },
    {
        "name": "risk_level",
        "label": "风险等级",
        "type": "enum",
        "visibility": "public",
        "values": [v for v, _ in RISK],
    },
    {"name": "foreign", "label": "涉外", "type": "bool", "visibility": "public"},
    {
        "name": "status",
        "label": "登记状态",
        "type": "enum",
        "visibility": "public",
        "values": [v for v, _ in STATUS],
    },
    {"name": "address", "label": "住所", "type": "text", "visibility": "public"},
    {"name": "person_in_charge", "label": "负责人", "type": "person_name", "visibility": "private"},
    {"name": "phone", "label": "联系电话", "type": "phone", "visibility": "private"},
    {"name": "registered_on", "label": "成立日期", "type": "date", "visibility": "public"},
]


def make_entities(n: int) -> list[Entity]:
    rng = Rng("gongkai-demo-registry")
    seen: set[str] = set()
    names: set[str] = set()
    out: list[Entity] = []
    while len(out) < n:
        entity_type = rng.weighted(ENTITY_TYPES)
        uscc = make_uscc(rng, entity_type)
        if uscc in seen:
            continue
        industry = rng.weighted(INDUSTRIES)
        region = rng.choice(REGIONS)
        person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(1 + rng.below(2)))
        trade = "".join(rng.choice(TRADE_NAMES) for _ in range(2))
        word = rng.choice(INDUSTRY_WORDS[industry])
        if entity_type == "个体工商户":
            word = word.replace("有限公司", "经营部")
            name = f"示例县{region}{person[0]}记{word}"
        elif entity_type == "农民专业合作社":
            name = f"示例县{region}{trade}种养殖专业合作社"
        else:
            if "有限公司" not in word:
                word += "有限公司"
            name = f"示例县{trade}{word}"
        if name in names:
            name = f"{name[:-4] if name.endswith('有限公司') else name}{len(out)}号" + (
                "有限公司" if name.endswith("有限公司") else ""
            )
        if name in names:
            continue
        seen.add(uscc)
        names.add(name)
        d = date(2000, 1, 1) + timedelta(days=rng.below(365 * 23))
        phone = "1" + rng.choice("3589") + "".join(str(rng.below(10)) for _ in range(9))
        out.append(
            Entity(
                uscc=uscc,
                name=name,
                entity_type=entity_type,
                industry=industry,
                region=region,
                credit_class=rng.weighted(CREDIT),
                risk_level=rng.weighted(RISK),
                foreign="是" if rng.below(100) < 3 and entity_type != "个体工商户" else "否",
                status=rng.weighted(STATUS),
                address=f"示例县{region}{rng.choice(ROADS)}{1 + rng.below(300)}号",
                person_in_charge=person,
                phone=phone,
                registered_on=d.isoformat(),
            )
        )
    return out


def registry_csv(entities: list[Entity]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c["name"] for c in REGISTRY_COLUMNS])
    for e in entities:
        writer.writerow([getattr(e, c["name"]) for c in REGISTRY_COLUMNS])
    return buf.getvalue().encode("utf-8")


def make_inspectors() -> list[dict[str, Any]]:
    rng = Rng("gongkai-demo-inspectors")
    titles = ["科员", "副主任科员", "主任科员", "执法队员", "执法大队副大队长", "股长"]
    people: list[dict[str, Any]] = []
    n = 0
    for dept, count in INSPECTORS_PER_DEPARTMENT.items():
        skills = EXPERTISE_BY_DEPARTMENT[dept]
        for i in range(count):
            n += 1
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(1 + rng.below(2))
            )
            expertise = [skills[i % len(skills)]]
            if dept == "scjgj":  # every market-regulation officer checks disclosed information
                expertise.insert(0, "企业信息公示")
            if len(skills) > 1 and rng.below(3) == 0:
                extra = skills[(i + 1 + rng.below(len(skills) - 1)) % len(skills)]
                if extra not in expertise:
                    expertise.append(extra)
            born = date(1968, 1, 1) + timedelta(days=rng.below(365 * 30))
            people.append(
                {
                    "id": f"INS-{n:04d}",
                    "name": name,
                    "gender": rng.choice(["男", "女"]),
                    "birth_date": born.isoformat(),
                    "mobile": "1"
                    + rng.choice("3589")
                    + "".join(str(rng.below(10)) for _ in range(9)),
                    "title": rng.choice(titles),
                    "unit": dept,
                    "licence_no": f"SLX{51903100 + n:08d}",
                    "qualifications": ["行政执法资格"],
                    "expertise": expertise,
                    "active": True,
                }
            )
    return people


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="生成示例县的合成演示数据 / generate the demo content"
    )
    parser.add_argument("--content", type=Path, default=Path("content"))
    args = parser.parse_args(argv)
    root: Path = args.content
    items = _read_items(root)
    if not items:
        print(f"no checklist items under {root / 'checklist'}; write them first", file=sys.stderr)
        return 1
    write_demo(root, items)
    print(f"demo content written to {root}")
    return 0


def _read_items(root: Path) -> dict[str, ChecklistItem]:
    latest: dict[str, ChecklistItem] = {}
    for path in sorted((root / "checklist").glob("*/*/v*.yaml")):
        loaded, problems = load_record_file(path)
        if loaded is None or problems:
            raise SystemExit(f"cannot read {path}: {problems}")
        item = loaded.record
        assert isinstance(item, ChecklistItem)
        if item.id not in latest or latest[item.id].version < item.version:
            latest[item.id] = item
    return latest


def write_demo(root: Path, items: dict[str, ChecklistItem]) -> None:
    for d in DEPARTMENTS:
        write_yaml(
            root / "departments" / f"{d['id']}.yaml",
            {
                "_type": "department/v1",
                "id": d["id"],
                "version": 1,
                "supersedes": None,
                "name": d["name"],
                "short_name": d["short_name"],
                "jurisdiction": "示例县",
                "address": f"示例县城关镇政务中心{DEPARTMENTS.index(d) + 1}号楼",
                "office_phone": d["phone"],
                "published_on": "2023-01-03",
            },
        )

    entities = make_entities(REGISTRY_ROWS)
    data = registry_csv(entities)
    reg_dir = root / "registries" / "targets" / "sjx-targets"
    reg_dir.mkdir(parents=True, exist_ok=True)
    (reg_dir / "v1.csv").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    write_yaml(
        reg_dir / "v1.yaml",
        {
            "_type": "target-registry/v1",
            "id": "sjx-targets",
            "version": 1,
            "supersedes": None,
            "name": "示例县市场主体检查对象名录库",
            "department": "scjgj",
            "snapshot_date": "2023-01-03",
            "description": "全县市场主体，含企业、个体工商户和农民专业合作社（合成数据）。",
            "file": "v1.csv",
            "sha256": sha,
            "rows": len(entities),
            "id_column": "uscc",
            "name_column": "name",
            "allow_registration_numbers": False,
            "columns": REGISTRY_COLUMNS,
        },
    )

    inspectors = make_inspectors()
    write_yaml(
        root / "registries" / "inspectors" / "sjx-inspectors" / "v1.yaml",
        {
            "_type": "inspector-registry/v1",
            "id": "sjx-inspectors",
            "version": 1,
            "supersedes": None,
            "name": "示例县执法检查人员名录库",
            "department": "scjgj",
            "as_of": "2023-01-03",
            "inspectors": inspectors,
        },
    )

    plan = make_plan(items, sha)
    write_yaml(root / "plans" / str(PLAN_YEAR) / plan["id"] / "v1.yaml", plan)
    draws = make_draws(root, plan)
    names = {e.uscc: e.name for e in entities}
    for result in make_results(plan, draws, names):
        write_yaml(root / "results" / result["published_on"][:4] / result["id"] / "v1.yaml", result)


# Real drand quicknet rounds (League of Entropy), recorded; their round times are
# 2023-08-23 15:20 UTC (round 1000) and 15:15 UTC (round 123), after the plan was published.
RECORDED_ROUNDS: dict[int, dict[str, Any]] = {
    1000: {
        "round": 1000,
        "randomness": "fe290beca10872ef2fb164d2aa4442de4566183ec51c56ff3cd603d930e54fdd",
        "signature": "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
    },
    123: {
        "round": 123,
        "randomness": "fb8f7bc29bf24db51871ec8c79f3a1e4bd0557bc0dfcee9ed1d924e69d1c60dc",
        "signature": "b75c69d0b72a5d906e854e808ba7e2accb1542ac355ae486d591aa9d43765482e26cd02df835d3546d23c4b13e0dfc92",
    },
}


def make_draws(root: Path, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Draw every task of the plan, in order, with the recorded beacon rounds."""
    from .content import load_content
    from .drawing import compute, record_data

    draws = []
    for n, task in enumerate(plan["tasks"]):
        content = load_content(root, root.parent / "site_config")
        beacon = RECORDED_ROUNDS[task["randomness"]["round"]]
        drawn_at = f"{PLAN_YEAR}-08-28T{9 + n // 2:02d}:{30 * (n % 2):02d}:00+08:00"
        _, _, outcome, header = compute(content, task["id"], beacon, drawn_at)
        data = record_data(f"{task['id']}-D1", header, outcome)
        write_yaml(root / "draws" / str(PLAN_YEAR) / data["id"] / "v1.yaml", data)
        draws.append(data)
    return draws


def _ratio_for(items: list[ChecklistItem], wanted: str) -> str:
    """``wanted`` moved inside every item's bounds (as exact decimal text)."""
    from decimal import Decimal

    low = max(Decimal(i.ratio.min) for i in items)
    caps = [Decimal(i.ratio.max) for i in items if i.category == "一般" and i.ratio.max is not None]
    value = max(Decimal(wanted), low)
    if caps:
        value = min(value, *caps)
    return str(value)


TASKS: list[dict[str, Any]] = [
    {
        "title": "企业年度报告等公示信息情况抽查",
        "lead": "scjgj",
        "participants": [],
        "kind": "不定向",
        "filter": {},
        "by": ["credit_class"],
        "ratios": {"A": "0.03", "B": "0.03", "C": "0.05", "D": "0.05"},
        "item_ids": ["SCJG-001", "SCJG-002"],
        "matching": "分散",
        "round": 1000,
        "window": ("2023-09-01", "2023-11-30"),
    },
    {
        "title": "食品销售经营者监督检查",
        "lead": "scjgj",
        "participants": [],
        "kind": "定向",
        "filter": {"industry": ["食品销售"]},
        "by": ["risk_level"],
        "ratios": {"低": "0.15", "中": "0.20", "高": "0.40"},
        "item_ids": ["SCJG-003"],
        "matching": "分散",
        "round": 1000,
        "window": ("2023-09-01", "2023-11-30"),
    },
    {
        "title": "餐饮服务和公共场所卫生联合抽查",
        "lead": "scjgj",
        "participants": ["wsjkj"],
        "kind": "定向",
        "filter": {"industry": ["餐饮服务", "住宿"]},
        "by": [],
        "ratios": {"": "0.10"},
        "item_ids": ["SCJG-005", "WSJK-001"],
        "matching": "分组",
        "round": 1000,
        "window": ("2023-09-04", "2023-11-30"),
    },
    {
        "title": "危险化学品和特种设备安全联合抽查",
        "lead": "yjglj",
        "participants": ["scjgj"],
        "kind": "定向",
        "filter": {"industry": ["化工", "制造业"]},
        "by": ["risk_level"],
        "ratios": {"低": "0.20", "中": "0.30", "高": "0.50"},
        "item_ids": ["YJGL-002", "SCJG-006"],
        "matching": "分组",
        "round": 123,
        "window": ("2023-09-01", "2023-12-15"),
    },
    {
        "title": "文化市场和旅行社经营行为抽查",
        "lead": "wlj",
        "participants": [],
        "kind": "定向",
        "filter": {"industry": ["娱乐场所", "旅行社"]},
        "by": [],
        "ratios": {"": "0.10"},
        "item_ids": ["WLJ-001", "WLJ-003"],
        "matching": "分散",
        "round": 123,
        "window": ("2023-09-01", "2023-11-30"),
    },
    {
        "title": "建筑施工和劳动用工联合抽查",
        "lead": "zjj",
        "participants": ["rsj"],
        "kind": "定向",
        "filter": {"industry": ["建筑施工"]},
        "by": [],
        "ratios": {"": "0.05"},
        "item_ids": ["ZJJ-003", "RSJ-002"],
        "matching": "分散",
        "round": 123,
        "window": ("2023-09-01", "2023-11-30"),
        "draws": ["targets"],
        "assigned_inspectors": ["INS-0043", "INS-0061"],
    },
]


def _task_items(spec: dict[str, Any], items: dict[str, ChecklistItem]) -> list[ChecklistItem]:
    return [items[i] for i in spec["item_ids"]]


def make_plan(items: dict[str, ChecklistItem], registry_sha: str) -> dict[str, Any]:
    tasks = []
    for n, spec in enumerate(TASKS, start=1):
        task_items = _task_items(spec, items)
        groups = []
        for value, wanted in spec["ratios"].items():
            match = {spec["by"][0]: value} if spec["by"] else {}
            groups.append({"match": match, "ratio": _ratio_for(task_items, wanted)})
        task: dict[str, Any] = {
            "id": f"SJX-{PLAN_YEAR}-{n:03d}",
            "number": n,
            "title": spec["title"],
            "kind": spec["kind"],
            "lead": spec["lead"],
            "participants": spec["participants"],
            "items": [i.ref for i in task_items],
            "methods": ["实地检查", "书面检查"] if n == 1 else ["实地检查"],
            "scope": {
                "registry": "sjx-targets@1",
                "registry_sha256": registry_sha,
                "filter": spec["filter"],
            },
            "strata": {"by": spec["by"], "groups": groups},
        }
        if "draws" in spec:
            task["draws"] = spec["draws"]
            task["assigned_inspectors"] = spec["assigned_inspectors"]
        task["inspectors"] = {
            "registry": "sjx-inspectors@1",
            "matching": spec["matching"],
            "team_size": 2,
            "workload_cap": 40,
        }
        task["window"] = {"start": spec["window"][0], "end": spec["window"][1]}
        task["start_within_working_days"] = 5
        task["randomness"] = {"source": "drand-quicknet", "round": spec["round"]}
        tasks.append(task)
    return {
        "_type": "plan/v1",
        "id": f"SJX-{PLAN_YEAR}",
        "version": 1,
        "supersedes": None,
        "year": PLAN_YEAR,
        "title": f"示例县{PLAN_YEAR}年度部门联合“双随机、一公开”抽查工作计划",
        "department": "scjgj",
        "published_on": f"{PLAN_YEAR}-01-16",
        "adjustments": [],
        "tasks": tasks,
    }


# Every leaf result code appears in the demo; disposals follow the code.
CODE_CYCLE = [
    "1",
    "1",
    "1",
    "B",
    "1",
    "E",
    "1",
    "C",
    "6",
    "1",
    "D",
    "3",
    "1",
    "4",
    "5",
    "F",
    "7",
    "8",
    "1",
    "9",
    "10",
    "11",
    "12",
    "E",
    "1",
]
DISPOSAL = {
    "1": ["无需后续处置"],
    "B": ["责令限期改正", "列入经营异常名录"],
    "C": ["立案调查"],
    "6": ["列入经营异常名录"],
    "D": ["责令限期改正"],
    "3": ["立案调查", "依法给予行政处罚"],
    "4": ["责令限期改正"],
    "5": ["移交有关部门处理"],
    "E": ["已当场改正"],
    "F": ["无需后续处置"],
    "7": ["无需后续处置"],
    "8": ["立案调查"],
    "9": ["无需后续处置"],
    "10": ["无需后续处置"],
    "11": ["无需后续处置"],
    "12": ["移交有关部门处理"],
}
NOTES = {
    "B": "未按规定公示2022年度报告。",
    "C": "年度报告中从业人数与实际不符。",
    "6": "通过登记的住所无法联系。",
    "D": "未按规定亮照经营。",
    "3": "部分预包装食品超过保质期仍在销售。",
    "4": "计量器具未按规定检定。",
    "5": "发现涉及其他部门职责的问题线索。",
    "E": "现场责令整改，已当场改正。",
    "8": "经营者拒绝提供检查所需材料，情节严重。",
}


def _working_days_after(start: date, days: int) -> date:
    d = start
    while days:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def make_results(
    plan: dict[str, Any], draws: list[dict[str, Any]], names: dict[str, str]
) -> list[dict[str, Any]]:
    """Results for up to 24 drawn targets of each task, by the inspectors drawn for them."""
    rng = Rng("gongkai-demo-results")
    out: list[dict[str, Any]] = []
    code_index = 0
    for task, drawn in zip(plan["tasks"], draws, strict=True):
        assignments = drawn["assignments"][:24]
        start = date.fromisoformat(task["window"]["start"])
        batches = [assignments[: len(assignments) // 2], assignments[len(assignments) // 2 :]]
        for b, batch in enumerate(batches, start=1):
            entries = []
            last = start
            for assignment in batch:
                code = CODE_CYCLE[code_index % len(CODE_CYCLE)]
                code_index += 1
                done = start + timedelta(days=10 + rng.below(40) + 30 * (b - 1))
                last = max(last, done)
                item_results = []
                for ref in task["items"]:
                    item_code = (
                        code
                        if ref == task["items"][0]
                        else ("1" if code not in ("9", "10", "11", "12", "7", "F") else code)
                    )
                    entry_item: dict[str, Any] = {"item": ref, "result": item_code}
                    if item_code in NOTES:
                        entry_item["note"] = NOTES[item_code]
                    item_results.append(entry_item)
                target = assignment["target"]
                entry: dict[str, Any] = {
                    "target": target,
                    "target_name": names[target],
                    "completed_on": done.isoformat(),
                    "inspectors": list(assignment["members"]),
                    "result": code,
                    "items": item_results,
                    "disposal": DISPOSAL[code],
                }
                if code == "C" and b == 1:
                    entry["redactions"] = [
                        {
                            "field": "note",
                            "reason": "商业秘密",
                            "ground": "《中华人民共和国反不正当竞争法》第九条；《中华人民共和国政府信息公开条例》第十五条",
                        }
                    ]
                    for it in item_results:
                        it.pop("note", None)
                entries.append(entry)
            published = _working_days_after(last, 3 + rng.below(10))
            out.append(
                {
                    "_type": "result/v1",
                    "id": f"{task['id']}-R{b}",
                    "version": 1,
                    "supersedes": None,
                    "plan": f"{plan['id']}@1",
                    "task": task["id"],
                    "department": task["lead"],
                    "published_on": published.isoformat(),
                    "code_list": "result-codes@1",
                    "entries": entries,
                }
            )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
