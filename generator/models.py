"""The records of 双随机、一公开, as strict pydantic models.

"一单、两库、一计划、一结果": the checklist of inspection items (随机抽查事项清单),
the registries of targets and of inspectors (检查对象名录库, 执法检查人员名录库),
the annual plan with its tasks (年度抽查计划, 抽查任务) and the results (检查结果).
Departments come first, because every other record names one.

Every record kind has a header: ``_type`` (kind and schema major version),
``id``, ``version`` (1, 2, … one more for each correction) and ``supersedes``
(the SHA-256 of the canonical JSON of the version it replaces, or null).

The models are strict: unknown fields are refused, types are never coerced,
dates and decimal ratios are strings in a fixed form (so that what is signed is
exactly what was written), and there are no floats anywhere.

Fields marked private (``json_schema_extra={"x-private": True}``) never reach any
published output; :func:`generator.publish.public_view` drops them.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from .codes import uscc_problem

# ---------------------------------------------------------------------------
# Field types


def _check_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"not a date (got {value!r}, expected YYYY-MM-DD)")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"no such day (got {value!r}, expected a real date)") from None
    return value


def _check_datetime(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})", value):
        raise ValueError(f"not a time (got {value!r}, expected YYYY-MM-DDTHH:MM:SS+08:00 or ...Z)")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"no such time (got {value!r})") from None
    return value


_RATIO = re.compile(r"^(?:0|1)(?:\.[0-9]{1,6})?$")


def _check_ratio(value: str) -> str:
    if not _RATIO.match(value) or Decimal(value) > 1:
        raise ValueError(
            f'not a ratio (got {value!r}, expected a decimal from "0" to "1" such as "0.03")'
        )
    return value


def _check_uscc(value: str) -> str:
    problem = uscc_problem(value)
    if problem is not None:
        raise ValueError(f"invalid 统一社会信用代码 {value!r}: {problem}")
    return value


class FreeTextMarker:
    """Marks a field as free text, which is scanned for personal data."""

    def __repr__(self) -> str:
        return "FreeText"


FREE_TEXT = FreeTextMarker()

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="An identifier: letters, digits, '.', '_' and '-', at most 64 characters."),
]
VersionedRef = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?:@[1-9][0-9]{0,5})?$"),
    Field(description="A reference to a versioned record: ID@VERSION, e.g. SCJG-001@2."),
]
DateStr = Annotated[str, AfterValidator(_check_date), Field(description="A date, YYYY-MM-DD.")]
DateTimeStr = Annotated[
    str,
    AfterValidator(_check_datetime),
    Field(description="A time with its offset, e.g. 2023-08-01T09:30:00+08:00."),
]
Ratio = Annotated[
    str,
    AfterValidator(_check_ratio),
    Field(description='A decimal ratio written as text, from "0" to "1", e.g. "0.03".'),
]
Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="A SHA-256 digest, 64 lower-case hex digits."),
]
Uscc = Annotated[
    str,
    AfterValidator(_check_uscc),
    Field(description="统一社会信用代码, 18 characters with its GB 32100-2015 check character."),
]
FreeText = Annotated[str, StringConstraints(min_length=1, max_length=4000), FREE_TEXT]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200), FREE_TEXT]
PositiveInt = Annotated[int, Field(ge=1)]

PRIVATE: dict[str, Any] = {"x-private": True}

PATTERN_HELP: dict[str, str] = {
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$": "an id: letters, digits, '.', '_' and '-', at most 64",
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?:@[1-9][0-9]{0,5})?$": "ID@VERSION, e.g. SCJG-003@2",
    r"^[0-9a-f]{64}$": "64 lower-case hex digits",
    r"^0[0-9]{2,3}-[0-9]{7,8}$": "an office landline such as 0832-6210001",
    r"^https://\S+$": "an https:// address",
    r"^https?://\S+/$": "an http(s):// address ending in /",
    r"^《[^《》]+》$": "a title in book-title marks, e.g. 《中华人民共和国食品安全法》",
    r"^[a-z][a-z0-9_]{0,39}$": "a column name: lower-case letters, digits and _, starting with a letter",
    r"^[A-Za-z0-9._-]+\.csv$": "a .csv file name in the same directory",
    r"^1[3-9][0-9]{9}$": "an 11-digit mainland mobile number",
    r"^[A-Z0-9-]{6,32}$": "6 to 32 capital letters, digits or '-'",
    r"^[0-9A-Z]{1,3}$": "a result code such as 1, B or 10",
    r"^(?:[0-9A-HJ-NP-RTUW-Y]{18}|[0-9]{15})$": "an 18-character 统一社会信用代码 or a 15-digit 注册号",
    r"^[0-9a-f]{2,1024}$": "lower-case hex digits",
    r"^(?:0\.[0-9]{64,80})?$": "a full-precision ticket such as 0.0123… (64 or more digits)",
    r"^[0-9a-f]{32}$": "32 lower-case hex digits (an MD5 digest)",
    r"^[0-9./]{1,2000}$": "decimal digits, or an RFC 3797 key string of digits, '.' and '/'",
    r"^[!-*,-~]{1,200}$": "a log name: printable ASCII without spaces or '+', e.g. example.gov.cn/log",
}
"""What each string pattern used by the models means, in words, for error messages."""


class Strict(BaseModel):
    """The one base of every model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        validate_default=True,
        use_attribute_docstrings=True,
    )


class Record(Strict):
    """Header fields shared by every record kind."""

    KIND: ClassVar[str] = ""

    record_type: str = Field(alias="_type")
    """Record kind and schema major version, e.g. ``plan/v1``."""
    id: Id
    version: PositiveInt = 1
    """1 for the first publication, one more for each correction."""
    supersedes: Sha256Hex | None = None
    """SHA-256 of the canonical JSON of the version this one replaces; null for version 1."""

    @model_validator(mode="after")
    def _version_chain(self) -> Record:
        if self.version == 1 and self.supersedes is not None:
            raise ValueError(
                "supersedes: version 1 supersedes nothing (got a digest, expected null)"
            )
        if self.version > 1 and self.supersedes is None:
            raise ValueError(
                f"supersedes: version {self.version} must name the version it replaces "
                "(got null, expected the SHA-256 of the previous version)"
            )
        return self

    @property
    def ref(self) -> str:
        """``id@version``, the form other records cite this one by."""
        return f"{self.id}@{self.version}"

    def signing_department(self) -> str | None:
        """The department whose key must sign this record (None: not a department record)."""
        department = getattr(self, "department", None)
        return department if isinstance(department, str) else None

    def signed_on(self) -> str | None:
        """The date this record states for itself. Key validity is never judged by
        it (its signer chooses it; ``gongkai verify`` uses the day the record
        entered the transparency log): it orders a first import into the log and
        picks the demo's signing keys, and a draw bundle, which carries no log
        times, is judged by it and says so."""
        for name in ("published_on", "snapshot_date", "as_of", "effective_from"):
            value = getattr(self, name, None)
            if isinstance(value, str):
                return value
        return None

    def required_witnesses(self) -> int:
        """Distinct witness keys this record itself requires, beyond the key registry's
        requirements for its kind (a ceremony draw's ``witnesses_required``); 0: none."""
        return 0


# ---------------------------------------------------------------------------
# 部门


class Department(Record):
    """A department (部门) that publishes records: an inspecting body."""

    KIND: ClassVar[str] = "department"
    record_type: Literal["department/v1"] = Field(alias="_type")
    name: Label
    """Full official name, e.g. 示例县市场监督管理局."""
    short_name: Label
    """The short name used in tables, e.g. 县市场监管局."""
    jurisdiction: Label
    """The area it is responsible for, e.g. 示例县."""
    uscc: Uscc | None = None
    """The department's own 统一社会信用代码 (government bodies have one starting with 11)."""
    address: FreeText | None = None
    office_phone: Annotated[str, StringConstraints(pattern=r"^0[0-9]{2,3}-[0-9]{7,8}$")] | None = (
        None
    )
    """Office landline, e.g. 0832-1234567. Personal mobile numbers are not published."""
    website: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    published_on: DateStr
    """The day this version of the department's record was published."""

    def signing_department(self) -> str | None:
        return self.id


# ---------------------------------------------------------------------------
# 随机抽查事项清单


class LegalBasis(Strict):
    """A law, regulation or rule, and the articles that provide for the inspection."""

    law: Annotated[str, StringConstraints(pattern=r"^《[^《》]+》$")]
    """The instrument's title in book-title marks, e.g. 《中华人民共和国食品安全法》."""
    articles: Label
    """The articles, e.g. 第八十七条 or 第十二条第一款."""


class Question(Strict):
    """One line of the item's standard inspection form (检查表)."""

    id: Id
    text: FreeText
    """The question the inspector answers, e.g. 是否公示营业执照."""
    legal_basis: list[LegalBasis] = Field(min_length=1)
    findings: list[Label] = Field(min_length=2)
    """The possible findings, e.g. [符合, 不符合, 不涉及]."""


class InspectionForm(Strict):
    """The one standard form for the item (一张表格管检查)."""

    questions: list[Question] = Field(min_length=1)


class RatioBounds(Strict):
    """Lower and upper bounds of the share of targets drawn, as decimal strings."""

    min: Ratio
    max: Ratio | None = None
    """Required for 一般 items; null (no cap) is allowed only for 重点 items."""
    override_reason: FreeText | None = None
    """Why the lower bound is under the 3% default (required in that case)."""


class ChecklistItem(Record):
    """An inspection item (随机抽查事项): one row of the 附件2 table, versioned."""

    KIND: ClassVar[str] = "checklist-item"
    DEFAULT_MIN_RATIO: ClassVar[Decimal] = Decimal("0.03")
    record_type: Literal["checklist-item/v1"] = Field(alias="_type")
    department: Id
    """The department whose checklist this is."""
    seq: PositiveInt
    """序号 in the department's list."""
    name: Label
    """事项名称."""
    category: Literal["一般", "重点"]
    """一般检查事项 (general, capped ratio) or 重点检查事项 (key, no cap)."""
    legal_basis: list[LegalBasis] = Field(min_length=1)
    """抽查依据."""
    inspecting_body: Label
    """抽查主体."""
    target_type: FreeText
    """抽查对象."""
    content: FreeText
    """抽查内容."""
    methods: list[Literal["实地检查", "书面检查", "网络监测"]] = Field(min_length=1)
    """抽查方式."""
    third_party: FreeText | None = None
    """Assistance by third parties (委托第三方检验检测、财务审计…), if any."""
    ratio: RatioBounds
    """抽查比例."""
    frequency: FreeText
    """抽查频次, e.g. 每年不超过1次."""
    joint_departments: list[Id] = Field(default_factory=list)
    """联合抽查部门."""
    publication: FreeText
    """公开方式 of the results."""
    expertise: list[Label] = Field(default_factory=list)
    """业务专长 an inspector needs for this item."""
    form: InspectionForm
    effective_from: DateStr
    change_note: FreeText | None = None
    """What changed from the previous version; required from version 2."""

    @model_validator(mode="after")
    def _rules(self) -> ChecklistItem:
        low = Decimal(self.ratio.min)
        if self.ratio.max is not None and Decimal(self.ratio.max) < low:
            raise ValueError(
                f"ratio.max: upper bound is below the lower bound "
                f"(got {self.ratio.max!r}, expected at least {self.ratio.min!r})"
            )
        if self.category == "一般" and self.ratio.max is None:
            raise ValueError(
                'ratio.max: 一般检查事项 must cap the ratio (got null, expected a decimal such as "0.05")'
            )
        if low < self.DEFAULT_MIN_RATIO and self.ratio.override_reason is None:
            raise ValueError(
                f"ratio.min: below the 3% minimum without a stated reason "
                f'(got {self.ratio.min!r}, expected at least "0.03" or ratio.override_reason)'
            )
        if self.version > 1 and self.change_note is None:
            raise ValueError(
                f"change_note: version {self.version} must say what changed (got nothing, expected text)"
            )
        return self


# ---------------------------------------------------------------------------
# 检查对象名录库


class Column(Strict):
    """One column of a target registry CSV."""

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    """The CSV header, e.g. credit_class."""
    label: Label
    """The Chinese heading shown on the site, e.g. 信用等级."""
    type: Literal[
        "uscc", "text", "enum", "date", "bool", "integer", "person_name", "phone", "id_number"
    ]
    """person_name, phone and id_number hold personal data and must be private."""
    visibility: Literal["public", "private"]
    """Private columns never reach any published output."""
    values: list[Label] | None = None
    """The allowed values of an enum column."""
    required: bool = True
    """Whether every row must have a value."""

    PERSONAL: ClassVar[frozenset[str]] = frozenset({"person_name", "phone", "id_number"})

    @model_validator(mode="after")
    def _rules(self) -> Column:
        if self.type in self.PERSONAL and self.visibility != "private":
            raise ValueError(
                f"visibility: column {self.name!r} holds personal data (type {self.type}) "
                f"and must be private (got {self.visibility!r}, expected 'private')"
            )
        if self.type == "enum" and not self.values:
            raise ValueError(
                f"values: enum column {self.name!r} must list its values (got none, expected a list)"
            )
        if self.type != "enum" and self.values is not None:
            raise ValueError(
                f"values: only enum columns list values (got values on a {self.type} column)"
            )
        return self


class TargetRegistry(Record):
    """A snapshot of the registry of targets (检查对象名录库): a manifest for a CSV file."""

    KIND: ClassVar[str] = "target-registry"
    record_type: Literal["target-registry/v1"] = Field(alias="_type")
    name: Label
    department: Id
    """The department that maintains this registry."""
    snapshot_date: DateStr
    description: FreeText | None = None
    file: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]+\.csv$")]
    """The CSV file, in the same directory as this manifest."""
    sha256: Sha256Hex
    """SHA-256 of the CSV file's bytes."""
    rows: Annotated[int, Field(ge=0)]
    """Number of data rows (the header not counted)."""
    id_column: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    """The column holding each target's 统一社会信用代码."""
    name_column: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    """The column holding each target's name."""
    allow_registration_numbers: bool = False
    """Accept the old 15-digit 注册号 where no USCC was ever issued."""
    columns: list[Column] = Field(min_length=2)

    @model_validator(mode="after")
    def _columns(self) -> TargetRegistry:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"columns: a column is listed twice (got {', '.join(dupes)})")
        by_name = {c.name: c for c in self.columns}
        id_col = by_name.get(self.id_column)
        if id_col is None:
            raise ValueError(
                f"id_column: no such column (got {self.id_column!r}, expected one of {', '.join(names)})"
            )
        if id_col.type != "uscc" or id_col.visibility != "public":
            raise ValueError(
                f"id_column: the id column must be a public uscc column "
                f"(got {id_col.type}, {id_col.visibility})"
            )
        if self.name_column not in by_name:
            raise ValueError(
                f"name_column: no such column (got {self.name_column!r}, expected one of {', '.join(names)})"
            )
        return self

    def column(self, name: str) -> Column | None:
        """The column called ``name``, if any."""
        return next((c for c in self.columns if c.name == name), None)


# ---------------------------------------------------------------------------
# 执法检查人员名录库


class Inspector(Strict):
    """A person with enforcement qualification (执法检查人员)."""

    id: Id
    name: Label
    """姓名 (published: inspectors act in public office and show their licence)."""
    gender: Literal["男", "女"] | None = Field(default=None, json_schema_extra=PRIVATE)
    """性别 (private)."""
    birth_date: DateStr | None = Field(default=None, json_schema_extra=PRIVATE)
    """出生日期 (private)."""
    mobile: Annotated[str, StringConstraints(pattern=r"^1[3-9][0-9]{9}$")] | None = Field(
        default=None, json_schema_extra=PRIVATE
    )
    """手机号 (private)."""
    title: Label
    """职务."""
    unit: Id
    """工作单位: the department id."""
    licence_no: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{6,32}$")]
    """执法证号."""
    qualifications: list[Label] = Field(min_length=1)
    """执法资质."""
    expertise: list[Label] = Field(default_factory=list)
    """业务专长."""
    active: bool = True
    conflicts: list[Uscc] = Field(default_factory=list)
    """Targets this person declared a conflict of interest with (回避), by 统一社会信用代码."""
    """False once the person has left or lost the qualification."""


class InspectorRegistry(Record):
    """The registry of inspectors (执法检查人员名录库)."""

    KIND: ClassVar[str] = "inspector-registry"
    record_type: Literal["inspector-registry/v1"] = Field(alias="_type")
    name: Label
    department: Id
    """The department that maintains (汇总) this registry."""
    as_of: DateStr
    inspectors: list[Inspector] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> InspectorRegistry:
        for attr, label in (("id", "id"), ("licence_no", "licence number")):
            seen: set[str] = set()
            for i, person in enumerate(self.inspectors):
                value = getattr(person, attr)
                if value in seen:
                    raise ValueError(
                        f"inspectors[{i}].{attr}: duplicate {label} (got {value!r} twice, expected each once)"
                    )
                seen.add(value)
        return self


# ---------------------------------------------------------------------------
# 年度抽查计划 and 抽查任务


class Stratum(Strict):
    """One stratum: the rows matching ``match``, drawn at ``ratio`` or ``count``."""

    match: dict[str, Label] = Field(default_factory=dict)
    """Column values that define the stratum, e.g. {credit_class: A}; {} for all rows."""
    ratio: Ratio | None = None
    count: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one(self) -> Stratum:
        if (self.ratio is None) == (self.count is None):
            raise ValueError(
                "ratio: give either a ratio or a count (got "
                + ("both" if self.ratio is not None else "neither")
                + ", expected exactly one)"
            )
        return self


class Strata(Strict):
    """How the pool is divided before drawing (分层抽取)."""

    by: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]] = Field(
        default_factory=list
    )
    """Registry columns that define strata; [] draws from one stratum."""
    groups: list[Stratum] = Field(min_length=1)


class Scope(Strict):
    """Which registry rows a task may draw from."""

    registry: VersionedRef
    """The target registry snapshot, ID@VERSION."""
    registry_sha256: Sha256Hex
    """SHA-256 of that snapshot's CSV: the draw must use exactly these rows."""
    filter: dict[str, list[Label]] = Field(default_factory=dict)
    """定向 tasks: column -> allowed values. 不定向 tasks: empty."""


class InspectorRules(Strict):
    """How inspectors are drawn and matched."""

    registry: VersionedRef
    """The inspector registry, ID@VERSION."""
    matching: Literal["分组", "分散"]
    """分组: teams drawn first, then matched to targets; 分散: individuals per target."""
    team_size: Annotated[int, Field(ge=2)] = 2
    """At least two inspectors per inspection."""
    workload_cap: PositiveInt | None = None
    """Most targets one inspector may be assigned in this task."""


class DrandSource(Strict):
    """A round of the drand quicknet beacon (League of Entropy)."""

    source: Literal["drand-quicknet"]
    round: PositiveInt


class CeremonySource(Strict):
    """Dice read out in public at a stated time, co-signed by witnesses."""

    source: Literal["ceremony"]
    scheduled_at: DateTimeStr
    """When the digits are read out: after the plan's publication day; the draw is not earlier."""
    place: Label
    witnesses_required: PositiveInt = 1
    """The draw record needs signatures by at least this many distinct witness keys."""


class LotterySource(Strict):
    """Official lottery numbers, in RFC 3797 key-string form, drawn after the plan."""

    source: Literal["lottery"]
    lottery: Label
    """The lottery and draw, e.g. 中国福利彩票双色球第2023090期."""
    draw_date: DateStr


RandomnessSource = Annotated[
    DrandSource | CeremonySource | LotterySource, Field(discriminator="source")
]

RIVEST: Literal["rivest-consistent-sampler-1.0.10"] = "rivest-consistent-sampler-1.0.10"
Algorithm = Literal["rivest-consistent-sampler-1.0.10", "rfc3797"]
"""How targets are selected: Rivest's consistent sampler (any source), or RFC 3797's
selection from the lottery's key string (source lottery, one stratum)."""
CEREMONY_MIN_DIGITS = 20
"""20 decimal digits carry 20 × log2(10) ≈ 66.4 bits (read from ten-sided dice)."""
CEREMONY_MAX_DIGITS = 200


class Window(Strict):
    """The period in which the inspections take place."""

    start: DateStr
    end: DateStr

    @model_validator(mode="after")
    def _order(self) -> Window:
        if self.end < self.start:
            raise ValueError(
                f"end: the window ends before it starts (got {self.end}, expected on or after {self.start})"
            )
        return self


BOTH_DRAWN: tuple[Literal["targets", "inspectors"], ...] = ("targets", "inspectors")


class Task(Strict):
    """抽查任务: one draw's worth of commitment, published before the draw."""

    id: Id
    number: Annotated[int, Field(ge=1, le=999)]
    """The task's number in the plan: the notice is 第{number:03d}号."""
    title: Label
    kind: Literal["定向", "不定向"]
    """不定向: the whole registry; 定向: a filtered scope."""
    lead: Id
    """牵头部门."""
    participants: list[Id] = Field(default_factory=list)
    """参与部门 (joint tasks)."""
    items: list[VersionedRef] = Field(min_length=1)
    """Checklist items, each cited as ID@VERSION."""
    methods: list[Literal["实地检查", "书面检查", "网络监测"]] = Field(min_length=1)
    scope: Scope
    strata: Strata
    draws: list[Literal["targets", "inspectors"]] = Field(
        default_factory=lambda: list(BOTH_DRAWN), min_length=1
    )
    """What is drawn at random. Both is 双随机; one alone is 单随机 (seed 004)."""
    inspectors: InspectorRules
    window: Window
    start_within_working_days: PositiveInt | None = 5
    """Inspection starts within this many working days of the draw (seed 001)."""
    randomness: RandomnessSource
    algorithm: Algorithm = RIVEST
    """How the targets are selected (docs/draw-algorithm.md step 4): rfc3797 only for a
    lottery source, one stratum, drawing targets."""
    ratio_justification: FreeText | None = None
    assigned_targets: list[Uscc] = Field(default_factory=list)
    """单随机 without drawing targets: the targets, named in advance."""
    assigned_inspectors: list[Id] = Field(default_factory=list)
    """单随机 without drawing inspectors: the inspectors, named in advance."""
    """Why a ratio is below an item's minimum or above its cap."""

    @model_validator(mode="after")
    def _rules(self) -> Task:
        if self.kind == "定向" and not self.scope.filter:
            raise ValueError(
                "scope.filter: a 定向 task must filter its scope (got no filter, expected column: [values])"
            )
        if self.kind == "不定向" and self.scope.filter:
            raise ValueError(
                "scope.filter: a 不定向 task covers the whole registry (got a filter, expected none or kind 定向)"
            )
        if self.lead in self.participants:
            raise ValueError(
                f"participants: the lead department is listed as a participant too (got {self.lead!r})"
            )
        if len(set(self.draws)) != len(self.draws):
            raise ValueError("draws: listed twice (expected targets, inspectors or both once)")
        if self.algorithm == "rfc3797":
            if self.randomness.source != "lottery":
                raise ValueError(
                    "algorithm: rfc3797 算法只能用于彩票号码来源 / rfc3797 selects from lottery "
                    f"numbers (got randomness source {self.randomness.source}, expected lottery, "
                    f"or algorithm {RIVEST})"
                )
            if "targets" not in self.draws:
                raise ValueError(
                    "algorithm: rfc3797 算法用于抽取检查对象 / rfc3797 selects targets (got a task "
                    f"that does not draw them, expected draws to include targets, or algorithm {RIVEST})"
                )
            if len(self.strata.groups) != 1:
                raise ValueError(
                    "algorithm: rfc3797 算法只用于单一分层 / rfc3797 draws one stratum "
                    f"(got {len(self.strata.groups)} strata groups, expected 1, or algorithm {RIVEST})"
                )
        return self


class Adjustment(Strict):
    """A recorded change to a published plan (调整, seed 003: 经法定程序审核备案)."""

    date: DateStr
    reason: FreeText
    approval: FreeText
    """The approval that allowed it, e.g. the document number."""


class Plan(Record):
    """年度抽查计划: the annual plan and its tasks."""

    KIND: ClassVar[str] = "plan"
    record_type: Literal["plan/v1"] = Field(alias="_type")
    year: Annotated[int, Field(ge=2015, le=2100)]
    title: Label
    department: Id
    """The department that publishes the plan."""
    published_on: DateStr
    adjustments: list[Adjustment] = Field(default_factory=list)
    tasks: list[Task] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tasks(self) -> Plan:
        for attr in ("id", "number"):
            seen: set[object] = set()
            for i, task in enumerate(self.tasks):
                value = getattr(task, attr)
                if value in seen:
                    raise ValueError(
                        f"tasks[{i}].{attr}: duplicate task {attr} (got {value!r} twice, expected each once)"
                    )
                seen.add(value)
        if not self.published_on.startswith(
            f"{self.year - 1}-"
        ) and not self.published_on.startswith(f"{self.year}-"):
            raise ValueError(
                f"published_on: a {self.year} plan is published in {self.year - 1} or {self.year} "
                f"(got {self.published_on})"
            )
        return self


# ---------------------------------------------------------------------------
# 检查结果


class ItemResult(Strict):
    """The result for one checklist item at one target."""

    item: VersionedRef
    result: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{1,3}$")]
    """A code from the result code list (site_config/result-codes)."""
    note: FreeText | None = None
    """What was found, in words."""


class Redaction(Strict):
    """A field withheld from publication, and the legal ground for withholding it."""

    field: Literal["target_name", "note", "items"]
    reason: Literal["国家秘密", "商业秘密", "个人隐私"]
    ground: FreeText
    """The legal ground, e.g. 《中华人民共和国个人信息保护法》第二十八条."""


class Entry(Strict):
    """The result of inspecting one target (市场主体) under one task."""

    target: Uscc
    """统一社会信用代码 of the target."""
    target_name: Label | None = None
    """名称; null only when redacted."""
    started_on: DateStr | None = None
    """检查开始日期, when the inspection at this target began. Optional: without it the
    start deadline (docs/deadlines.md, R3) is reported as not checked."""
    completed_on: DateStr
    """检查完成日期."""
    inspectors: list[Id] = Field(min_length=2)
    """The inspectors who actually went (at least two)."""
    result: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{1,3}$")]
    """The overall 检查结果 code."""
    items: list[ItemResult] = Field(min_length=1)
    disposal: list[Label] = Field(min_length=1)
    """后续处置, from the standard list (site_config/disposals)."""
    redactions: list[Redaction] = Field(default_factory=list)

    @model_validator(mode="after")
    def _redactions(self) -> Entry:
        redacted = {r.field for r in self.redactions}
        if self.target_name is None and "target_name" not in redacted:
            raise ValueError(
                "target_name: missing without a redaction (got null, expected a name or a redaction with its ground)"
            )
        if self.target_name is not None and "target_name" in redacted:
            raise ValueError("target_name: redacted but still given (got a name, expected null)")
        if len(set(self.inspectors)) != len(self.inspectors):
            raise ValueError(
                "inspectors: the same inspector is listed twice (expected at least two different people)"
            )
        if self.started_on is not None and self.started_on > self.completed_on:
            raise ValueError(
                f"started_on: the inspection starts after it was completed (got {self.started_on}, "
                f"expected on or before completed_on {self.completed_on})"
            )
        return self


class Result(Record):
    """检查结果公告: the published results of one task (or one batch of it)."""

    KIND: ClassVar[str] = "result"
    record_type: Literal["result/v1"] = Field(alias="_type")
    plan: VersionedRef
    """The plan, ID@VERSION."""
    task: Id
    """The task's id within the plan."""
    department: Id
    """The department that inspected and publishes (谁检查、谁录入、谁公示)."""
    published_on: DateStr
    code_list: VersionedRef
    """The result code list used, e.g. result-codes@1."""
    entries: list[Entry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_targets(self) -> Result:
        seen: set[str] = set()
        for i, entry in enumerate(self.entries):
            if entry.target in seen:
                raise ValueError(
                    f"entries[{i}].target: the same target twice in one notice (got {entry.target})"
                )
            seen.add(entry.target)
            if entry.completed_on > self.published_on:
                raise ValueError(
                    f"entries[{i}].completed_on: completed after publication "
                    f"(got {entry.completed_on}, expected on or before {self.published_on})"
                )
        return self


# ---------------------------------------------------------------------------
# Configuration data in site_config/


class ResultCode(Strict):
    """One code of the hierarchical result code list."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{1,3}$")]
    label: Label
    problem_found: bool = False
    """True for codes meaning a problem was found (shown in red; counted as 发现问题)."""
    children: list[ResultCode] = Field(default_factory=list)


class ResultCodeList(Record):
    """The standard result codes used by the provincial platforms, versioned."""

    KIND: ClassVar[str] = "result-codes"
    record_type: Literal["result-codes/v1"] = Field(alias="_type")
    name: Label
    source: FreeText
    codes: list[ResultCode] = Field(min_length=1)

    def flat(self) -> dict[str, tuple[ResultCode, list[str]]]:
        """Every code, with the labels of its ancestors."""
        out: dict[str, tuple[ResultCode, list[str]]] = {}

        def walk(nodes: list[ResultCode], parents: list[str]) -> None:
            for node in nodes:
                out[node.code] = (node, parents)
                walk(node.children, [*parents, node.label])

        walk(self.codes, [])
        return out


class DisposalList(Record):
    """The standard options for 后续处置, versioned."""

    KIND: ClassVar[str] = "disposals"
    record_type: Literal["disposals/v1"] = Field(alias="_type")
    name: Label
    options: list[Label] = Field(min_length=1)


class SiteConfig(Strict):
    """site_config/site.yaml: the jurisdiction this site publishes for."""

    jurisdiction: Label
    """e.g. 示例县."""
    title: Label
    demo: bool = False
    """True for demonstration content: every page then says 示例."""
    result_codes: VersionedRef
    disposals: VersionedRef
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+/$")] | None = None


class CalendarSource(Strict):
    """The notice a calendar year is taken from (国务院办公厅关于某年部分节假日安排的通知)."""

    issuer: Label
    """国务院办公厅."""
    number: Label
    """The document number, e.g. 国办发明电〔2022〕16号."""
    title: Label
    date: DateStr
    """The date the notice was signed."""


class CalendarYear(Strict):
    """site_config/calendar/<year>.yaml: one year of the official working-day calendar.

    ``holidays`` are all the days off the notice lists, including the weekend days of
    each holiday; ``workdays`` are the weekend days worked in exchange (调休上班). Every
    other Monday to Friday is a working day (generator/workdays.py)."""

    record_type: Literal["calendar/v1"] = Field(alias="_type")
    year: Annotated[int, Field(ge=2015, le=2100)]
    source: CalendarSource
    holidays: list[DateStr] = Field(min_length=1)
    """Every day off the notice lists, weekend days included."""
    workdays: list[DateStr] = Field(default_factory=list)
    """The Saturdays and Sundays worked in exchange (调休上班)."""

    @model_validator(mode="after")
    def _days(self) -> CalendarYear:
        # Every problem is reported, each at its own date (a ValidationError raised here
        # joins the model's errors with its own locations).
        errors: list[InitErrorDetails] = []

        def bad(name: str, i: int, value: str, message: str) -> None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError("value_error", message),
                    loc=(name, i),
                    input=value,
                )
            )

        seen: dict[str, tuple[str, int]] = {}
        for name in ("holidays", "workdays"):
            for i, value in enumerate(getattr(self, name)):
                if not value.startswith(f"{self.year}-"):
                    bad(
                        name,
                        i,
                        value,
                        f"date outside {self.year} (got {value}, expected a day of {self.year})",
                    )
                first = seen.get(value)
                if first is not None:
                    where = f"{first[0]}[{first[1]}]"
                    what = (
                        "listed twice" if first[0] == name else "both a day off and a working day"
                    )
                    bad(
                        name,
                        i,
                        value,
                        f"{what} (got {value}, also at {where}, expected each date once)",
                    )
                else:
                    seen[value] = (name, i)
                if name == "workdays":
                    day = dt.date.fromisoformat(value)
                    if day.weekday() < 5:
                        bad(
                            name,
                            i,
                            value,
                            f"a make-up working day must be a Saturday or Sunday (got {value}, "
                            f"a {day.strftime('%A')})",
                        )
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


# ---------------------------------------------------------------------------
# 摇号: draws and voids

TargetId = Annotated[
    str,
    StringConstraints(pattern=r"^(?:[0-9A-HJ-NP-RTUW-Y]{18}|[0-9]{15})$"),
    Field(description="A target's 统一社会信用代码 (or 15-digit 注册号)."),
]
HexText = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{2,1024}$")]
BeaconText = Annotated[str, StringConstraints(pattern=r"^[0-9./]{1,2000}$")]
Md5Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]

_BEACON_FIELDS: dict[str, tuple[str, ...]] = {
    "drand-quicknet": ("chain_hash", "round", "signature", "randomness"),
    "ceremony": ("value", "witnesses_required"),
    "lottery": ("value",),
}
"""The fields each source's beacon value has (and no others)."""


class BeaconValue(Strict):
    """The public randomness the draw used, as published by its source.

    drand-quicknet: chain_hash, round, signature, randomness. ceremony: value (the digits
    read out) and witnesses_required (copied from the plan). lottery: value (the numbers
    as an RFC 3797 key string)."""

    source: Literal["drand-quicknet", "ceremony", "lottery"]
    chain_hash: Sha256Hex | None = None
    round: PositiveInt | None = None
    signature: HexText | None = None
    randomness: Sha256Hex | None = None
    value: BeaconText | None = None
    """Ceremony digits or the lottery's RFC 3797 key string."""
    witnesses_required: PositiveInt | None = None
    """Ceremony: distinct witness keys that must sign the draw, as the plan states."""

    @model_validator(mode="after")
    def _fields(self) -> BeaconValue:
        from .rfc3797 import is_key_string

        wanted = _BEACON_FIELDS[self.source]
        for name in (n for names in _BEACON_FIELDS.values() for n in names):
            present = getattr(self, name) is not None
            if present != (name in wanted):
                raise ValueError(
                    f"{name}: {'not part of' if present else 'missing from'} a {self.source} "
                    f"beacon (expected {', '.join(wanted)})"
                )
        value = self.value or ""
        if self.source == "ceremony" and not re.fullmatch(
            rf"[0-9]{{{CEREMONY_MIN_DIGITS},{CEREMONY_MAX_DIGITS}}}", value
        ):
            raise ValueError(
                f"value: 现场摇号的数字须为 {CEREMONY_MIN_DIGITS}–{CEREMONY_MAX_DIGITS} 位 / ceremony "
                f"digits are {CEREMONY_MIN_DIGITS} to {CEREMONY_MAX_DIGITS} decimal digits "
                f"(got {len(value)} characters)"
            )
        if self.source == "lottery" and not is_key_string(value):
            raise ValueError(
                f"value: 不是 RFC 3797 密钥串 / not an RFC 3797 key string (got {value!r})"
            )
        return self

    def label(self) -> str:
        """The beacon part of the seed."""
        if self.source == "drand-quicknet":
            return f"drand-quicknet:{self.round}:{self.randomness}"
        return f"{self.source}:{self.value}"


RivestTicket = Annotated[str, StringConstraints(pattern=r"^0\.[0-9]{64,80}$")]


class Ticketed(Strict):
    """A selected target: with its Rivest ticket, or (rfc3797) its number and step digest."""

    target: TargetId
    ticket: Annotated[str, StringConstraints(pattern=r"^(?:0\.[0-9]{64,80})?$")] | None = None
    """Rivest: the full-precision ticket; empty for a target assigned by name."""
    position: PositiveInt | None = None
    """rfc3797: the target's number in its stratum's pool (ids in ascending order, from 1)."""
    digest: Md5Hex | None = None
    """rfc3797: the selection step's MD5 digest."""

    @model_validator(mode="after")
    def _one_kind(self) -> Ticketed:
        if self.ticket is None and (self.position is None or self.digest is None):
            raise ValueError(
                "ticket: give a ticket (rivest-consistent-sampler) or a position and a digest "
                "(rfc3797)"
            )
        if self.ticket is not None and (self.position is not None or self.digest is not None):
            raise ValueError(
                "ticket: a ticket (rivest-consistent-sampler) or a position and a digest "
                "(rfc3797), not both"
            )
        return self


class StratumDrawn(Strict):
    match: dict[str, Label] = Field(default_factory=dict)
    population: Annotated[int, Field(ge=0)]
    ratio: Ratio | None = None
    count: Annotated[int, Field(ge=0)] | None = None
    take: Annotated[int, Field(ge=0)]
    selected: list[Ticketed]
    """The stratum's selection; empty in a draw with confidential strata (see commitments)."""
    highest_ticket: RivestTicket | None = None
    """Confidential strata: the highest ticket selected in this stratum (None if k = 0)."""


class Commitment(Strict):
    """SHA-256(nonce ‖ class) of one pooled target, nonce = HMAC-SHA256(secret, task|target)."""

    target: TargetId
    commitment: Sha256Hex


class Excluded(Strict):
    target: TargetId
    reason: Literal["inactive", "twice-this-year", "exempt", "same-item-other-agency", "no-stratum"]
    detail: Label


class Skipped(Strict):
    inspector: Id
    reason: Label


class TeamDrawn(Strict):
    team: Id
    members: list[Id] = Field(min_length=2)


class Assignment(Strict):
    target: TargetId
    team: Id | None = None
    """分组: the team drawn for this target."""
    members: list[Id] = Field(min_length=2)
    reserves: list[Id] = Field(default_factory=list)
    """Ordered reserves (递补): people (分散) or teams (分组)."""
    recusals: list[Skipped] = Field(default_factory=list)


class Draw(Record):
    """摇号记录: one task's draw, re-runnable from published inputs."""

    KIND: ClassVar[str] = "draw"
    record_type: Literal["draw/v1"] = Field(alias="_type")
    plan: VersionedRef
    plan_sha256: Sha256Hex
    task: Id
    department: Id
    """The lead department, which signs; witnesses co-sign."""
    drawn_at: DateTimeStr
    registry: VersionedRef
    registry_sha256: Sha256Hex
    inspector_registry: VersionedRef
    inspector_registry_sha256: Sha256Hex
    beacon: BeaconValue
    seed: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    algorithm: Algorithm
    """The task's algorithm: rivest-consistent-sampler-1.0.10 (tickets) or rfc3797
    (positions and digests, for a lottery beacon)."""
    in_scope: Annotated[int, Field(ge=0)]
    exclusions: list[Excluded] = Field(default_factory=list)
    strata: list[StratumDrawn] = Field(default_factory=list)
    visits: list[Ticketed]
    """Every selected target, in visiting order (ascending ticket; rfc3797: selection order)."""
    teams: list[TeamDrawn] = Field(default_factory=list)
    assignments: list[Assignment] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    """Confidential strata (分层依据保密): one commitment per pooled target, ascending ids;
    the strata then state N, k and the highest selected ticket but not who is in which."""

    @model_validator(mode="after")
    def _confidential(self) -> Draw:
        if not self.commitments:
            for i, stratum in enumerate(self.strata):
                if stratum.highest_ticket is not None:
                    raise ValueError(
                        f"strata[{i}].highest_ticket: only a draw with confidential strata "
                        "(commitments) states it"
                    )
            return self
        if self.algorithm != "rivest-consistent-sampler-1.0.10":
            raise ValueError("commitments: confidential strata need the Rivest sampler")
        for i, stratum in enumerate(self.strata):
            if stratum.selected:
                raise ValueError(
                    f"strata[{i}].selected: a draw with confidential strata must not list "
                    "the selection by stratum (it would disclose the class); list visits only"
                )
            if (stratum.highest_ticket is None) != (stratum.take == 0):
                raise ValueError(
                    f"strata[{i}].highest_ticket: required exactly when the stratum takes any "
                    f"(got take={stratum.take})"
                )
        ids = [c.target for c in self.commitments]
        if ids != sorted(set(ids)):
            raise ValueError("commitments: one per pooled target, in ascending id order")
        return self

    @model_validator(mode="after")
    def _algorithm(self) -> Draw:
        rfc = self.algorithm == "rfc3797"
        if rfc and self.beacon.source != "lottery":
            raise ValueError(
                "algorithm: rfc3797 算法只能用于彩票号码来源 / rfc3797 selects from lottery "
                f"numbers (got a {self.beacon.source} beacon)"
            )
        picks = [("visits", i, v) for i, v in enumerate(self.visits)] + [
            (f"strata[{s}].selected", i, v)
            for s, stratum in enumerate(self.strata)
            for i, v in enumerate(stratum.selected)
        ]
        for where, i, pick in picks:
            if (pick.ticket is None) != rfc:
                raise ValueError(
                    f"{where}[{i}]: "
                    + (
                        "an rfc3797 draw records a position and a digest, not a ticket"
                        if rfc
                        else f"a {self.algorithm} draw records a ticket, not a position and a digest"
                    )
                )
        return self

    def signed_on(self) -> str | None:
        return self.drawn_at[:10]

    def required_witnesses(self) -> int:
        """A ceremony draw needs at least the plan's ``witnesses_required`` witness keys."""
        return self.beacon.witnesses_required or 0


class Void(Record):
    """作废记录: a draw declared void, with the reason; a new draw may follow."""

    KIND: ClassVar[str] = "void"
    record_type: Literal["void/v1"] = Field(alias="_type")
    draw: VersionedRef
    department: Id
    voided_on: DateStr
    reason: FreeText

    def signed_on(self) -> str | None:
        return self.voided_on


# ---------------------------------------------------------------------------
# Keys: the root of trust and the key registry

PublicKeyHex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="An Ed25519 public key, 64 lower-case hex digits."),
]


class RootKey(Strict):
    """A root key and who holds it."""

    public: PublicKeyHex
    label: Label
    holder: Label
    """Who keeps the private key, e.g. 示例县人民政府办公室."""


class RoleKeys(Strict):
    """Which keys may sign a role's metadata, and how many must."""

    keys: list[Sha256Hex] = Field(min_length=1)
    """keyids of root keys."""
    threshold: PositiveInt


class LogRole(Strict):
    """The keys that sign the transparency log's checkpoints (docs/transparency-log.md)."""

    origin: Annotated[str, StringConstraints(pattern=r"^[!-*,-~]{1,200}$")]
    """The log's name: the first line of its checkpoints and the key name of their
    signatures (C2SP tlog-checkpoint), e.g. ``example.gov.cn/gongkai-log``."""
    keys: list[PublicKeyHex] = Field(min_length=1)
    """Ed25519 public keys that sign checkpoints."""
    threshold: PositiveInt
    """How many distinct log keys must sign a checkpoint."""

    @model_validator(mode="after")
    def _rules(self) -> LogRole:
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("keys: the same public key is listed twice (expected distinct keys)")
        if self.threshold > len(self.keys):
            raise ValueError(
                f"threshold: more signatures required than there are keys "
                f"(got {self.threshold}, expected at most {len(self.keys)})"
            )
        return self


class Root(Record):
    """The root of trust (根信任): the root keys and who may sign the key registry.

    Version N+1 counts only when signed by a threshold of version N's keys and
    a threshold of its own (TUF's chaining rule)."""

    KIND: ClassVar[str] = "root"
    record_type: Literal["root/v1"] = Field(alias="_type")
    name: Label
    published_on: DateStr
    expires: DateStr
    keys: list[RootKey] = Field(min_length=1)
    threshold: PositiveInt
    """How many distinct root keys must sign a root version."""
    key_registry: RoleKeys
    """The root keys that sign the key registry (content/keys/)."""
    log: LogRole | None = None
    """The transparency log's checkpoint keys (content/log/); none: no log yet."""

    @model_validator(mode="after")
    def _rules(self) -> Root:
        from .signing import keyid_of

        publics = [k.public for k in self.keys]
        if len(set(publics)) != len(publics):
            raise ValueError("keys: the same public key is listed twice (expected distinct keys)")
        if self.threshold > len(self.keys):
            raise ValueError(
                f"threshold: more signatures required than there are keys "
                f"(got {self.threshold}, expected at most {len(self.keys)})"
            )
        ids = {keyid_of(p) for p in publics}
        for i, kid in enumerate(self.key_registry.keys):
            if kid not in ids:
                raise ValueError(f"key_registry.keys[{i}]: not a key of this root (got {kid})")
        if self.key_registry.threshold > len(set(self.key_registry.keys)):
            raise ValueError(
                f"key_registry.threshold: more signatures required than there are keys "
                f"(got {self.key_registry.threshold}, expected at most {len(set(self.key_registry.keys))})"
            )
        if self.expires <= self.published_on:
            raise ValueError(
                f"expires: the root expires before it is published (got {self.expires}, "
                f"expected after {self.published_on})"
            )
        return self


class Revocation(Strict):
    """Why and since when a key no longer signs."""

    at: DateStr
    """The day the key was revoked: nothing it signs from then on counts."""
    reason: Literal["superseded", "compromised"]
    compromised_since: DateStr | None = None
    """For a compromised key: the earliest day it may have been in other hands.
    Everything signed from then on fails; what came before is flagged."""

    @model_validator(mode="after")
    def _rules(self) -> Revocation:
        if self.reason == "compromised" and self.compromised_since is None:
            raise ValueError(
                "compromised_since: a compromised key must say since when (got nothing, expected a date)"
            )
        if self.reason == "superseded" and self.compromised_since is not None:
            raise ValueError(
                "compromised_since: only a compromised key has one (got a date for a superseded key)"
            )
        if self.compromised_since is not None and self.compromised_since > self.at:
            raise ValueError(
                f"compromised_since: after the revocation (got {self.compromised_since}, expected on or before {self.at})"
            )
        return self


SignedKind = Literal[
    "department",
    "checklist-item",
    "target-registry",
    "inspector-registry",
    "plan",
    "result",
    "draw",
    "void",
]
"""The record kinds a key may be allowed to sign."""
SIGNED_KINDS: tuple[str, ...] = typing.get_args(SignedKind)
WitnessKind = Literal[
    "公证处", "纪检监察", "人大代表", "政协委员", "新闻媒体", "市场主体", "社会第三方"
]
"""Who a witness is (DOMAIN §5: 纪检监察, 公证, 人大代表, 政协委员, 新闻媒体, businesses, third parties)."""
WITNESS_KINDS: tuple[str, ...] = typing.get_args(WitnessKind)


class KeyEntry(Strict):
    """A signing key of a department or a witness."""

    keyid: Sha256Hex
    public: PublicKeyHex
    label: Label
    """A human label, e.g. 示例县市场监督管理局发布密钥."""
    role: Literal["department", "witness"]
    department: Id | None = None
    """For department keys: the department that signs with it."""
    witness_kind: WitnessKind | None = None
    """For witness keys (DOMAIN §5): who the witness is."""
    kinds: list[SignedKind] = Field(min_length=1)
    """The record kinds this key may sign."""
    valid_from: DateStr
    valid_until: DateStr
    revocation: Revocation | None = None

    @model_validator(mode="after")
    def _rules(self) -> KeyEntry:
        from .signing import keyid_of

        expected = keyid_of(self.public)
        if self.keyid != expected:
            raise ValueError(
                f"keyid: does not match the public key (got {self.keyid}, expected {expected})"
            )
        if self.role == "department" and (self.department is None or self.witness_kind is not None):
            raise ValueError(
                "department: a department key names its department and no witness_kind"
            )
        if self.role == "witness" and (self.witness_kind is None or self.department is not None):
            raise ValueError("witness_kind: a witness key names its witness_kind and no department")
        if self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until: before valid_from (got {self.valid_until}, expected on or after {self.valid_from})"
            )
        return self


class Requirement(Strict):
    """Who must sign a record kind: ``count`` distinct keys of the given role."""

    signer: Literal["department", "witness"]
    """department: keys of the record's own department; witness: any witness key."""
    count: PositiveInt = 1


DEFAULT_REQUIREMENTS: tuple[Requirement, ...] = (Requirement(signer="department", count=1),)


def with_witnesses(registered: tuple[Requirement, ...], needed: int) -> tuple[Requirement, ...]:
    """The key registry's requirements for a record, raised to at least ``needed`` witness
    keys (what the record itself requires: :meth:`Record.required_witnesses`)."""
    if needed <= 0:
        return registered
    out = [
        Requirement(signer="witness", count=max(r.count, needed)) if r.signer == "witness" else r
        for r in registered
    ]
    if not any(r.signer == "witness" for r in registered):
        out.append(Requirement(signer="witness", count=needed))
    return tuple(out)


class KeyRegistry(Record):
    """The key registry (密钥登记册): every signing key, signed by the root's key-registry keys.

    Keys are never removed: a retired key stays listed with its revocation."""

    KIND: ClassVar[str] = "keys"
    record_type: Literal["keys/v1"] = Field(alias="_type")
    name: Label
    published_on: DateStr
    keys: list[KeyEntry] = Field(min_length=1)
    requirements: dict[
        SignedKind,
        list[Requirement],
    ] = Field(default_factory=dict)
    """Per record kind, who must sign; a kind not listed needs one key of its department."""

    @model_validator(mode="after")
    def _unique(self) -> KeyRegistry:
        seen: set[str] = set()
        for i, key in enumerate(self.keys):
            if key.public in seen:
                raise ValueError(f"keys[{i}].public: the same key is listed twice")
            seen.add(key.public)
        return self

    def requirements_for(self, kind: str) -> tuple[Requirement, ...]:
        return tuple(self.requirements.get(kind, DEFAULT_REQUIREMENTS))  # type: ignore[call-overload]


RECORD_KINDS: dict[str, type[Record]] = {
    "department/v1": Department,
    "checklist-item/v1": ChecklistItem,
    "target-registry/v1": TargetRegistry,
    "inspector-registry/v1": InspectorRegistry,
    "plan/v1": Plan,
    "result/v1": Result,
    "result-codes/v1": ResultCodeList,
    "disposals/v1": DisposalList,
    "root/v1": Root,
    "keys/v1": KeyRegistry,
    "draw/v1": Draw,
    "void/v1": Void,
}
"""``_type`` value -> model. Draws, voids and keys are added by their own modules."""
