"""Rule sets: every rule an agency may set, as data.

A rule set is the shipped default TOML (``kpixl/data/rules/default.toml``) merged with
an agency's TOML file, which may override any subset: tables merge key by key, arrays
replace the default array whole. :func:`load_rules` checks the result and raises
:class:`~kpixl.core.errors.RuleError` listing every contradiction, each named by its
dotted rule path and value.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from kpixl.core.errors import RuleError, RuleProblem
from kpixl.core.numbers import dec, round_half_up
from kpixl.core.salary_table import SalaryTable, load_salary_tables

__all__ = [
    "DEFAULT_SALARY_TABLE",
    "Band",
    "ComponentWeights",
    "EligibilityLimits",
    "Rules",
    "default_rules",
    "load_rules",
    "merge_rule_data",
    "rule_data",
]

DEFAULT_SALARY_TABLE = "2560-10"
SCORING_METHODS = ("linear", "level")
COMPETENCY_METHODS = ("rating", "gap")
FAIR_BAND_FLOOR = Decimal(60)  # พอใช้ may not start below 60
# KPI scores are cut (ROUNDDOWN) to this many decimals: the personal form's formulas,
# kpixl.core.scoring's truncate and the vectorised scorers' hundredths all hold it
KPI_SCORE_PLACES = 2


@dataclass(frozen=True)
class Band:
    """A rating band: starts at ``min_total`` (None for the lowest), with its % range."""

    code: str
    name: str
    min_total: Decimal | None
    pct_min: Decimal
    pct_max: Decimal
    eligible: bool = True


@dataclass(frozen=True)
class ComponentWeights:
    """Weights of the total score's components, in percent points summing to 100."""

    achievement: Decimal
    competency: Decimal
    other: Decimal = Decimal(0)


@dataclass(frozen=True)
class EligibilityLimits:
    """Limits past which a person gets no increase in the round."""

    min_months_served: Decimal
    max_leave_days: Decimal
    max_leave_times: Decimal
    max_late_times: Decimal
    max_penalty: str
    max_suspension_months: Decimal
    penalty_scale: tuple[str, ...]

    def penalty_too_heavy(self, penalty: str | None) -> bool:
        """Whether ``penalty`` is heavier than the allowed one (unknown counts as heavier)."""
        if penalty is None or not penalty.strip() or penalty.strip() == self.penalty_scale[0]:
            return False
        name = penalty.strip()
        if name not in self.penalty_scale:
            return True
        return self.penalty_scale.index(name) > self.penalty_scale.index(self.max_penalty)


@dataclass(frozen=True)
class Rules:
    """An effective rule set. Build it with :func:`load_rules`."""

    id: str
    version: str
    title: str
    weights: ComponentWeights
    probation_weights: ComponentWeights
    min_achievement_weight: Decimal
    kpi_max_count: int
    kpi_weight_total: Decimal
    scoring_method: str
    competency_method: str
    rating_min: int
    rating_max: int
    core_competencies: tuple[str, ...]
    managerial_competencies: tuple[str, ...]
    managerial_types: tuple[str, ...]
    expected_levels: dict[str, int]
    score_places: int
    bands: tuple[Band, ...]
    salary_table: SalaryTable
    max_increase_pct: Decimal
    rounding_step: Decimal
    special_comp_in_pool: bool
    pool_rate_pct: Decimal
    unit_shares: bool
    pool_groups: dict[str, tuple[str, ...]]
    eligibility: EligibilityLimits
    sources: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # the dotted paths of the rules it was built from (every rule of default.toml is read)
    read: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def component_weights(self, *, probation: bool = False) -> ComponentWeights:
        return self.probation_weights if probation else self.weights

    def band_for(self, total: Decimal) -> Band:
        """The band of a total (rounded half-up to ``score_places`` first)."""
        total = round_half_up(total, self.score_places)
        for band in self.bands:
            if band.min_total is None or total >= band.min_total:
                return band
        return self.bands[-1]

    def band_named(self, name: str) -> Band:
        """The band whose Thai name or code is ``name``."""
        for band in self.bands:
            if name in (band.name, band.code):
                return band
        raise KeyError(name)

    def pool_group_of(self, level_code: str) -> str:
        """The pool group holding ``level_code``."""
        for group, codes in self.pool_groups.items():
            if level_code in codes:
                return group
        raise KeyError(level_code)

    def competencies_for(self, position_type: str) -> tuple[str, ...]:
        """Core competencies, plus the managerial ones for อำนวยการ/บริหาร positions."""
        if position_type in self.managerial_types:
            return self.core_competencies + self.managerial_competencies
        return self.core_competencies


# --------------------------------------------------------------------------- loading


def _default_data() -> dict[str, Any]:
    text = resources.files("kpixl.data").joinpath("rules/default.toml").read_text("utf-8")
    return tomllib.loads(text)


# tables whose keys are the agency's own (group names): an override replaces them whole
_FREE_TABLES = ("pools.groups",)


def merge_rule_data(
    base: Mapping[str, Any], override: Mapping[str, Any], *, path: str = ""
) -> tuple[dict[str, Any], list[RuleProblem]]:
    """Merge ``override`` into ``base``; keys unknown to ``base`` are problems.

    ``pools.groups`` is a free mapping (its keys are the agency's group names), so an
    override replaces it whole.
    """
    merged = dict(base)
    problems: list[RuleProblem] = []
    for key, value in override.items():
        name = f"{path}.{key}" if path else key
        if key not in base:
            problems.append(
                RuleProblem(
                    name,
                    value,
                    "ไม่รู้จักกฎนี้ (สะกดผิดหรือไม่)",
                    "unknown rule (a typo?)",
                )
            )
            continue
        if isinstance(base[key], dict) and isinstance(value, dict) and name not in _FREE_TABLES:
            merged[key], sub = merge_rule_data(base[key], value, path=name)
            problems += sub
        else:
            merged[key] = value
    return merged, problems


class _Reader:
    """Reads typed values from the merged data, collecting problems instead of raising."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[RuleProblem] = []
        self.read: set[str] = set()  # the dotted paths read (a test holds every rule read)

    def problem(self, rule: str, value: object, th: str, en: str) -> None:
        self.problems.append(RuleProblem(rule, value, th, en))

    def raw(self, rule: str) -> Any:
        self.read.add(rule)
        node: Any = self.data
        for part in rule.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def number(self, rule: str, value: object = None, *, default: str = "0") -> Decimal:
        value = self.raw(rule) if value is None else value
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            try:
                return dec(value)
            except ValueError:
                pass
        self.problem(rule, value, "ต้องเป็นตัวเลข", "must be a number")
        return Decimal(default)

    def integer(self, rule: str, *, minimum: int = 0) -> int:
        value = self.raw(rule)
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.problem(
            rule,
            value,
            f"ต้องเป็นจำนวนเต็มไม่น้อยกว่า {minimum}",
            f"must be a whole number ≥ {minimum}",
        )
        return minimum

    def text(self, rule: str, value: object = None) -> str:
        value = self.raw(rule) if value is None else value
        if isinstance(value, str):
            return value
        self.problem(rule, value, "ต้องเป็นข้อความ", "must be text")
        return ""

    def flag(self, rule: str, value: object = None) -> bool:
        value = self.raw(rule) if value is None else value
        if isinstance(value, bool):
            return value
        self.problem(rule, value, "ต้องเป็น true หรือ false", "must be true or false")
        return False

    def texts(self, rule: str, value: object = None) -> tuple[str, ...]:
        value = self.raw(rule) if value is None else value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        self.problem(rule, value, "ต้องเป็นรายการข้อความ", "must be a list of text")
        return ()

    def choice(self, rule: str, choices: tuple[str, ...]) -> str:
        value = self.raw(rule)
        if value in choices:
            return str(value)
        self.problem(
            rule,
            value,
            f"ต้องเป็นค่าใดค่าหนึ่งใน {', '.join(choices)}",
            f"must be one of {', '.join(choices)}",
        )
        return choices[0]


def _weights(r: _Reader, prefix: str) -> ComponentWeights:
    w = ComponentWeights(
        r.number(f"{prefix}.achievement"),
        r.number(f"{prefix}.competency"),
        r.number(f"{prefix}.other"),
    )
    total = w.achievement + w.competency + w.other
    if any(v < 0 for v in (w.achievement, w.competency, w.other)):
        r.problem(prefix, str(total), "น้ำหนักต้องไม่ติดลบ", "weights must not be negative")
    if total != 100:
        r.problem(
            prefix,
            f"{w.achievement}+{w.competency}+{w.other}={total}",
            "น้ำหนักองค์ประกอบรวมกันต้องเท่ากับ 100",
            "component weights must sum to 100",
        )
    return w


def _bands(r: _Reader, max_pct: Decimal) -> tuple[Band, ...]:
    raw = r.raw("bands")
    if not isinstance(raw, list) or not raw or not all(isinstance(b, dict) for b in raw):
        r.problem("bands", raw, "ต้องมีระดับผลการประเมินอย่างน้อยหนึ่งระดับ", "need at least one band")
        return ()
    bands: list[Band] = []
    allowed = {"code", "name", "min_total", "pct_min", "pct_max", "eligible"}
    for i, item in enumerate(raw):
        label = f"bands[{i}]"
        name = item.get("name", item.get("code", str(i)))
        rule = f"bands.{name}"
        for key in sorted(set(item) - allowed):
            r.problem(f"{rule}.{key}", item[key], "ไม่รู้จักกฎนี้", "unknown rule")
        code = r.text(f"{rule}.code", item.get("code", ""))
        if "name" not in item:
            r.problem(f"{label}.name", None, "ต้องระบุชื่อระดับ", "band needs a name")
        min_total = (
            r.number(f"{rule}.min_total", item["min_total"]) if "min_total" in item else None
        )
        band = Band(
            code=code,
            name=str(name),
            min_total=min_total,
            pct_min=r.number(f"{rule}.pct_min", item.get("pct_min")),
            pct_max=r.number(f"{rule}.pct_max", item.get("pct_max")),
            eligible=r.flag(f"{rule}.eligible", item.get("eligible", True)),
        )
        bands.append(band)
    _check_bands(r, bands, max_pct)
    return tuple(bands)


def _check_bands(r: _Reader, bands: list[Band], max_pct: Decimal) -> None:
    names = [b.name for b in bands]
    for name in {n for n in names if names.count(n) > 1}:
        r.problem(f"bands.{name}", name, "ชื่อระดับซ้ำกัน", "band name appears twice")
    for i, band in enumerate(bands):
        rule = f"bands.{band.name}"
        last = i == len(bands) - 1
        if band.min_total is None and not last:
            r.problem(
                f"{rule}.min_total",
                None,
                "เฉพาะระดับต่ำสุดเท่านั้นที่ไม่ต้องมีคะแนนขั้นต่ำ",
                "only the lowest band may lack a minimum total",
            )
        if band.min_total is not None and not Decimal(0) <= band.min_total <= 100:
            r.problem(
                f"{rule}.min_total",
                str(band.min_total),
                "คะแนนขั้นต่ำต้องอยู่ระหว่าง 0 ถึง 100",
                "minimum total must be within 0–100",
            )
        if band.pct_min < 0 or band.pct_min > band.pct_max:
            r.problem(
                f"{rule}.pct_min",
                f"{band.pct_min}–{band.pct_max}",
                "ช่วงร้อยละไม่ถูกต้อง (ต่ำสุดต้องไม่เกินสูงสุดและไม่ติดลบ)",
                "invalid % range (minimum must be ≥ 0 and ≤ maximum)",
            )
        if band.pct_max > max_pct:
            r.problem(
                f"{rule}.pct_max",
                str(band.pct_max),
                f"ร้อยละสูงสุดของระดับเกินอัตราเลื่อนสูงสุด {max_pct}%",
                f"band % maximum exceeds the maximum increase {max_pct}%",
            )
        if band.code == "fair" and band.min_total is not None and band.min_total < FAIR_BAND_FLOOR:
            r.problem(
                f"{rule}.min_total",
                str(band.min_total),
                "ระดับพอใช้ต้องเริ่มที่คะแนนไม่ต่ำกว่า 60",
                "band พอใช้ may not start below 60",
            )
        if i == 0:
            continue
        above = bands[i - 1]
        if (
            above.min_total is not None
            and band.min_total is not None
            and band.min_total >= above.min_total
        ):
            r.problem(
                f"{rule}.min_total",
                str(band.min_total),
                f"คะแนนขั้นต่ำต้องต่ำกว่าระดับ {above.name} ที่อยู่เหนือกว่า ({above.min_total})",
                f"bands must fall: minimum must be below {above.name}'s {above.min_total}",
            )
        if band.pct_max >= above.pct_min and above.pct_max > 0:
            r.problem(
                f"{rule}.pct_max",
                f"{band.pct_min}–{band.pct_max}",
                f"ช่วงร้อยละทับซ้อนหรือไม่สูงขึ้นตามระดับ (ระดับ {above.name} เริ่มที่ {above.pct_min})",
                f"% ranges overlap or do not rise with the band ({above.name} starts at "
                f"{above.pct_min})",
            )


def _pool_groups(r: _Reader, table: SalaryTable) -> dict[str, tuple[str, ...]]:
    raw = r.raw("pools.groups")
    if not isinstance(raw, dict) or not raw:
        r.problem("pools.groups", raw, "ต้องกำหนดกลุ่มวงเงิน", "pool groups must be given")
        return {}
    groups = {str(k): r.texts(f"pools.groups.{k}", v) for k, v in raw.items()}
    seen: dict[str, str] = {}
    for group, codes in groups.items():
        for code in codes:
            if code not in table.levels:
                r.problem(
                    f"pools.groups.{group}",
                    code,
                    f"ไม่รู้จักรหัสระดับ {code} ในบัญชีเงินเดือน {table.id}",
                    f"unknown level code {code} in salary table {table.id}",
                )
            elif code in seen:
                r.problem(
                    f"pools.groups.{group}",
                    code,
                    f"รหัสระดับ {code} อยู่ในกลุ่มวงเงิน {seen[code]} แล้ว",
                    f"level code {code} is already in pool group {seen[code]}",
                )
            seen.setdefault(code, group)
    for code in table.levels:
        if code not in seen:
            r.problem(
                "pools.groups",
                code,
                f"รหัสระดับ {code} ไม่อยู่ในกลุ่มวงเงินใด",
                f"level code {code} is in no pool group",
            )
    return groups


def _expected_levels(r: _Reader, table: SalaryTable | None) -> dict[str, int]:
    raw = r.raw("competency.expected_levels")
    if not isinstance(raw, dict):
        r.problem(
            "competency.expected_levels",
            raw,
            "ต้องเป็นตาราง รหัสระดับ = ระดับ",
            "must map level codes to levels",
        )
        return {}
    out: dict[str, int] = {}
    for code, level in raw.items():
        rule = f"competency.expected_levels.{code}"
        if table is not None and code not in table.levels:
            r.problem(rule, code, f"ไม่รู้จักรหัสระดับ {code}", f"unknown level code {code}")
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 5:
            r.problem(
                rule,
                level,
                "ระดับที่คาดหวังต้องเป็นจำนวนเต็ม 0–5",
                "expected level must be a whole number 0–5",
            )
            continue
        out[str(code)] = level
    return out


def _salary_table(r: _Reader, table_id: str, base_dir: Path | None) -> SalaryTable | None:
    table_file = r.text("salary.table_file")
    try:
        if table_file:
            path = Path(table_file)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            tables = load_salary_tables(path)
        else:
            tables = load_salary_tables()
    except (OSError, ValueError) as exc:
        r.problem(
            "salary.table_file",
            table_file,
            "อ่านบัญชีเงินเดือนไม่ได้: ไม่พบไฟล์ หรือคอลัมน์ไม่ตรงกับ kpixl/data/salary_bases.csv",
            f"cannot read: {exc}",
        )
        return None
    if table_id not in tables:
        r.problem(
            "salary.table",
            table_id,
            f"ไม่มีบัญชีเงินเดือนรหัสนี้ (มี: {', '.join(sorted(tables))})",
            f"no salary table with this id (known: {', '.join(sorted(tables))})",
        )
        return None
    return tables[table_id]


def _build(data: dict[str, Any], *, table_id: str, base_dir: Path | None) -> Rules:
    r = _Reader(data)
    weights = _weights(r, "weights")
    probation = _weights(r, "weights.probation")
    min_ach = r.number("weights.min_achievement")
    if weights.achievement < min_ach:
        r.problem(
            "weights.achievement",
            str(weights.achievement),
            f"น้ำหนักผลสัมฤทธิ์ของงานต้องไม่น้อยกว่า {min_ach} (ยกเว้นผู้ทดลองปฏิบัติราชการ)",
            f"achievement weight must be at least {min_ach} (outside probation)",
        )
    if min_ach < 70:
        r.problem(
            "weights.min_achievement",
            str(min_ach),
            "น้ำหนักผลสัมฤทธิ์ขั้นต่ำต้องไม่น้อยกว่า 70",
            "the minimum achievement weight may not be below 70",
        )
    max_pct = r.number("salary.max_increase_pct")
    if not Decimal(0) < max_pct <= 100:
        r.problem("salary.max_increase_pct", str(max_pct), "ต้องมากกว่า 0", "must be above 0")
    step = r.number("salary.rounding_step", default="10")
    if step <= 0:
        r.problem("salary.rounding_step", str(step), "ต้องมากกว่า 0", "must be above 0")
    rate = r.number("pools.rate_pct")
    if not Decimal(0) < rate <= 100:
        r.problem("pools.rate_pct", str(rate), "ต้องอยู่ระหว่าง 0 ถึง 100", "must be within 0–100")
    rating_min = r.integer("competency.rating_min")
    rating_max = r.integer("competency.rating_max", minimum=1)
    if rating_min >= rating_max:
        r.problem(
            "competency.rating_max",
            rating_max,
            "คะแนนสูงสุดต้องมากกว่าคะแนนต่ำสุด",
            "rating maximum must exceed the minimum",
        )
    kpi_total = r.number("kpi.weight_total")
    if kpi_total != 100:
        r.problem(
            "kpi.weight_total",
            str(kpi_total),
            "น้ำหนักตัวชี้วัดรวมต้องเท่ากับ 100",
            "KPI weights must total 100",
        )
    kpi_places = r.integer("kpi.score_places")
    if kpi_places != KPI_SCORE_PLACES:
        r.problem(
            "kpi.score_places",
            kpi_places,
            f"คะแนนตัวชี้วัดตัดทศนิยม {KPI_SCORE_PLACES} ตำแหน่งตามสูตรในแบบฟอร์ม "
            f"จึงตั้งได้เพียง {KPI_SCORE_PLACES}",
            f"KPI scores are cut to {KPI_SCORE_PLACES} decimals, as the forms' formulas "
            f"(ROUNDDOWN) do; only {KPI_SCORE_PLACES} is accepted",
        )
    penalty_scale = r.texts("eligibility.penalty_scale")
    max_penalty = r.text("eligibility.max_penalty")
    if penalty_scale and max_penalty not in penalty_scale:
        r.problem(
            "eligibility.max_penalty",
            max_penalty,
            "ไม่มีโทษนี้ในลำดับโทษ (eligibility.penalty_scale)",
            "this penalty is not in eligibility.penalty_scale",
        )
    eligibility = EligibilityLimits(
        min_months_served=r.number("eligibility.min_months_served"),
        max_leave_days=r.number("eligibility.max_leave_days"),
        max_leave_times=r.number("eligibility.max_leave_times"),
        max_late_times=r.number("eligibility.max_late_times"),
        max_penalty=max_penalty,
        max_suspension_months=r.number("eligibility.max_suspension_months"),
        penalty_scale=penalty_scale or ("ไม่มี",),
    )
    for name in ("min_months_served", "max_leave_days", "max_leave_times", "max_late_times"):
        value = getattr(eligibility, name)
        if value < 0:
            r.problem(f"eligibility.{name}", str(value), "ต้องไม่ติดลบ", "must not be negative")
    table = _salary_table(r, r.text("salary.table") or table_id, base_dir)
    groups = _pool_groups(r, table) if table else {}
    bands = _bands(r, max_pct)
    rules = Rules(
        id=r.text("meta.id"),
        version=str(r.raw("meta.version")),
        title=r.text("meta.title"),
        weights=weights,
        probation_weights=probation,
        min_achievement_weight=min_ach,
        kpi_max_count=r.integer("kpi.max_count", minimum=1),
        kpi_weight_total=kpi_total,
        scoring_method=r.choice("kpi.scoring_method", SCORING_METHODS),
        competency_method=r.choice("competency.method", COMPETENCY_METHODS),
        rating_min=rating_min,
        rating_max=rating_max,
        core_competencies=r.texts("competency.core"),
        managerial_competencies=r.texts("competency.managerial"),
        managerial_types=r.texts("competency.managerial_types"),
        expected_levels=_expected_levels(r, table),
        score_places=r.integer("scores.places"),
        bands=bands,
        salary_table=table,  # type: ignore[arg-type]  # checked below
        max_increase_pct=max_pct,
        rounding_step=step,
        special_comp_in_pool=r.flag("salary.special_comp_in_pool"),
        pool_rate_pct=rate,
        unit_shares=r.flag("pools.unit_shares"),
        pool_groups=groups,
        eligibility=eligibility,
        data=data,
        read=frozenset(r.read),  # last: after every rule above was read
    )
    if r.problems:
        raise RuleError(r.problems)
    return rules


def overrides_from_flat(
    pairs: list[tuple[str, Any]], *, source: str = "Config"
) -> tuple[dict[str, Any], list[RuleProblem]]:
    """Rule overrides from dotted ``(path, value)`` rows (the master's Config sheet).

    Only values that differ from the defaults become overrides; ``bands.N.field`` rows
    rebuild the band list; comma-separated text becomes a list where the default is one.
    """
    defaults = _default_data()
    out: dict[str, Any] = {}
    problems: list[RuleProblem] = []
    bands = [dict(b) for b in defaults.get("bands", [])]
    bands_changed = False
    for key, value in pairs:
        parts = key.split(".")
        if parts[0] == "bands" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            while len(bands) <= index:
                bands.append({})
            current = bands[index].get(parts[2])
            try:
                typed = _typed(value, current)
            except ValueError:
                problems.append(RuleProblem(key, value, "ต้องเป็นตัวเลข", "must be a number"))
                continue
            if typed != current:
                bands_changed = True
                if typed is None:
                    bands[index].pop(parts[2], None)
                else:
                    bands[index][parts[2]] = typed
            continue
        node: Any = defaults
        for part in parts:
            node = node.get(part) if isinstance(node, dict) else None
        try:
            typed = _typed(value, node)
        except ValueError:
            problems.append(RuleProblem(key, value, "ต้องเป็นตัวเลข", "must be a number"))
            continue
        if typed == node or typed is None:
            continue
        target = out
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = typed
    if bands_changed:
        out["bands"] = [b for b in bands if b]
    return out, problems


def _typed(value: Any, like: Any) -> Any:
    """A Config cell's value, typed like the default it overrides."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(like, bool):
        return str(value).strip().casefold() in ("true", "1", "ใช่", "yes")
    if isinstance(like, int) and not isinstance(like, bool):
        number = float(value) if not isinstance(value, str) else float(value.replace(",", ""))
        return int(number) if number == int(number) else number
    if isinstance(like, float):
        return float(value) if not isinstance(value, str) else float(value.replace(",", ""))
    if isinstance(like, list):
        return [v.strip() for v in str(value).split(",") if v.strip()]
    if isinstance(value, float) and value == int(value) and like is None:
        return int(value)
    return value


def load_rules(
    path: str | Path | None = None,
    *,
    salary_table: str = DEFAULT_SALARY_TABLE,
    overrides: Mapping[str, Any] | None = None,
) -> Rules:
    """Load the default rule set, overridden by the agency file at ``path`` if given,
    then by ``overrides`` (rule data, e.g. from the master's Config sheet).

    ``salary_table`` names the salary table. When it is left at its default, the
    agency file's ``salary.table`` (if any) decides. Raises :class:`RuleError` naming
    every contradictory rule and its value.
    """
    data = _default_data()
    merge_problems: list[RuleProblem] = []
    sources = ["kpixl:default"]
    base_dir: Path | None = None
    if path is not None:
        path = Path(path)
        try:
            override = tomllib.loads(path.read_text("utf-8-sig"))
        except FileNotFoundError:
            problem = RuleProblem(str(path), None, "ไม่พบไฟล์กฎ", "rule file not found")
            raise RuleError([problem], source=str(path)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            problem = RuleProblem(
                str(path),
                None,
                "อ่านไฟล์กฎไม่ได้: เปิดไม่ได้ หรือเขียนผิดรูปแบบ TOML (ตำแหน่งที่ผิดอยู่ในข้อความภาษาอังกฤษ)",
                f"cannot read rule file: {exc}",
            )
            raise RuleError([problem], source=str(path)) from None
        data, merge_problems = merge_rule_data(data, override)
        sources.append(str(path))
        base_dir = path.parent
    if overrides:
        data, more = merge_rule_data(data, overrides)
        merge_problems += more
        sources.append("Config")
    table_id = salary_table
    file_table = data.get("salary", {}).get("table")
    if salary_table == DEFAULT_SALARY_TABLE and isinstance(file_table, str) and file_table:
        table_id = file_table
    data.setdefault("salary", {})["table"] = table_id
    try:
        rules = _build(data, table_id=table_id, base_dir=base_dir)
    except RuleError as exc:
        raise RuleError(merge_problems + exc.problems, source=sources[-1]) from None
    if merge_problems:
        raise RuleError(merge_problems, source=sources[-1])
    return replace(rules, sources=tuple(sources))


_DEFAULT: Rules | None = None


def default_rules() -> Rules:
    """The shipped default rule set (loaded once, then shared: rules are immutable)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rules()
    return _DEFAULT


def rule_data(rules: Rules) -> dict[str, Any]:
    """The effective rule set as plain data (what ``kpixl rules show`` prints)."""
    return rules.data
