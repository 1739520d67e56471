"""The central KPI library (คลังตัวชี้วัดกลาง): ready indicators per job line and task.

Shipped as package data (``kpixl/data/kpi_library.toml``); an agency may load its own
file with the same shape. Every entry is checked at load: a quantitative KPI's five
example levels must be strictly monotone in its direction, a milestone KPI needs five
level descriptions.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from kpixl.core.errors import LevelsError, RuleError, RuleProblem
from kpixl.core.scoring import check_levels

__all__ = ["LIBRARY_COLUMNS", "load_library"]

LIBRARY_COLUMNS = [
    "id",
    "job_line",
    "task",
    "name",
    "kind",
    "direction",
    "unit",
    "l1",
    "l2",
    "l3",
    "l4",
    "l5",
    "milestones",
]


def _entry(item: dict[str, Any], problems: list[RuleProblem]) -> dict[str, Any] | None:
    ident = str(item.get("id", "?"))
    missing = [k for k in ("id", "job_line", "task", "name", "kind", "unit") if not item.get(k)]
    if missing:
        problems.append(
            RuleProblem(f"kpi.{ident}", missing, "ข้อมูลไม่ครบ", f"missing {', '.join(missing)}")
        )
        return None
    row: dict[str, Any] = {
        k: item.get(k) for k in ("id", "job_line", "task", "name", "kind", "direction", "unit")
    }
    if item["kind"] == "quantitative":
        try:
            levels = check_levels(item.get("levels") or [], str(item.get("direction")))
        except LevelsError as exc:
            problems.append(
                RuleProblem(
                    f"kpi.{ident}.levels", item.get("levels"), exc.message_th, exc.message_en
                )
            )
            return None
        row.update({f"l{i + 1}": v for i, v in enumerate(levels)})
        row["milestones"] = None
    elif item["kind"] == "milestone":
        steps = item.get("milestones") or []
        if len(steps) != 5 or not all(isinstance(s, str) and s.strip() for s in steps):
            problems.append(
                RuleProblem(
                    f"kpi.{ident}.milestones",
                    steps,
                    "ต้องมีคำอธิบาย 5 ระดับ",
                    "needs five level descriptions",
                )
            )
            return None
        row.update({f"l{i + 1}": None for i in range(5)})
        row["milestones"] = tuple(steps)
        row["direction"] = None
    else:
        problems.append(
            RuleProblem(
                f"kpi.{ident}.kind",
                item["kind"],
                "ประเภทไม่ถูกต้อง",
                "kind must be quantitative or milestone",
            )
        )
        return None
    return row


def load_library(path: str | Path | None = None) -> pd.DataFrame:
    """The KPI library as a table (one row per KPI); RuleError names every bad entry."""
    if path is None:
        text = resources.files("kpixl.data").joinpath("kpi_library.toml").read_text("utf-8")
        source = "kpixl:kpi_library"
    else:
        text = Path(path).read_text("utf-8-sig")
        source = str(path)
    data = tomllib.loads(text)
    problems: list[RuleProblem] = []
    rows = [row for item in data.get("kpi", []) if (row := _entry(item, problems)) is not None]
    ids = [r["id"] for r in rows]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(RuleProblem(f"kpi.{dup}", dup, "รหัสซ้ำ", "id appears twice"))
    if problems:
        raise RuleError(problems, source=source)
    return pd.DataFrame(rows, columns=LIBRARY_COLUMNS)
