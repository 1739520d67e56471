"""The Calibration sheet: it builds, its charts read the tables' own cells."""

from __future__ import annotations

import math
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpixl.core.calibration import calibrate
from kpixl.core.rules import default_rules
from kpixl.workbooks.calibration import SHEET, calibration_bytes, write_calibration

RULES = default_rules()


def _table() -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    plan = {
        "นางใจดี มากมาย": ("กองคลัง", [92, 94, 91, 95, 93, 90]),
        '=HYPERLINK("http://x","y")': ("กองแผนงาน", [74, 76, 72, 78, 75, 79.5]),
        "": ("ศูนย์เทคโนโลยีสารสนเทศและการสื่อสาร", [80, 82, 89.5]),
        "นายเดียว": ("กองคลัง", [85]),
    }
    for evaluator, (unit, totals) in plan.items():
        for t in totals:
            rows.append(
                {
                    "person_id": f"P{len(rows):03d}",
                    "unit": unit,
                    "evaluator": evaluator,
                    "total": t,
                    "band": RULES.band_for(Decimal(str(t))).name,
                }
            )
    rows.append(
        {"person_id": "P999", "unit": "กองคลัง", "evaluator": "นายเดียว", "total": None, "band": ""}
    )
    return pd.DataFrame(rows)


def _chart_refs(path: Path) -> list[set[str]]:
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        return [set(re.findall(r"<(?:c:)?f>([^<]+)</(?:c:)?f>", z.read(n).decode())) for n in names]


def _range(col: str, top: int, last: int) -> str:
    return f"'{SHEET}'!${col}${top}:${col}${last}"


def test_the_sheet_builds_and_its_charts_point_at_its_tables(tmp_path: Path) -> None:
    cal = calibrate(_table(), RULES.bands)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    layout = write_calibration(ws, cal, round_name="1/2569")
    path = tmp_path / "calibration.xlsx"
    wb.save(path)

    top, last = layout.evaluators
    assert last - top == len(cal.by_evaluator) == 4
    s_top, s_last = layout.shares
    assert s_last - s_top == len(cal.by_unit) == 3
    means, shares = _chart_refs(path)
    h = openpyxl.utils.get_column_letter(layout.helper_col)
    minus = openpyxl.utils.get_column_letter(layout.helper_col + 1)
    plus = openpyxl.utils.get_column_letter(layout.helper_col + 2)
    labels = openpyxl.utils.get_column_letter(layout.helper_col + 3)
    assert means == {
        _range("E", top + 1, last),  # the means
        _range(h, top + 1, last),  # the organisation's mean
        _range("A", top + 1, last),  # the evaluators
        _range(minus, top + 1, last),
        _range(plus, top + 1, last),
        f"'{SHEET}'!$E${top}",
        f"'{SHEET}'!${h}${top}",
    }
    band_cols = [openpyxl.utils.get_column_letter(2 + i) for i in range(len(RULES.bands))]
    assert shares == {
        *[_range(c, s_top + 1, s_last) for c in band_cols],
        *[f"'{SHEET}'!${c}${s_top}" for c in band_cols],
        _range(labels, s_top + 1, s_last),
    }

    back = openpyxl.load_workbook(path)[SHEET]
    assert back.cell(top, 5).value == "ค่าเฉลี่ย"
    assert [back.cell(s_top, 2 + i).value for i in range(len(RULES.bands))] == [
        b.name for b in RULES.bands
    ]
    for i, row in enumerate(cal.by_evaluator.to_dict("records"), start=top + 1):
        assert back.cell(i, 1).value == row["evaluator"]
        assert back.cell(i, 5).value == pytest.approx(row["mean"])
        assert back.cell(i, layout.helper_col).value == pytest.approx(cal.org_mean)
        if math.isnan(row["mean_low"]):
            assert back.cell(i, layout.helper_col + 1).value is None
        else:
            assert back.cell(i, layout.helper_col + 1).value == pytest.approx(
                row["mean"] - row["mean_low"]
            )
            assert back.cell(i, layout.helper_col + 2).value == pytest.approx(
                row["mean_high"] - row["mean"]
            )
    for i, row in enumerate(cal.by_unit.to_dict("records"), start=s_top + 1):
        assert back.cell(i, 1).value == row["unit"]
        assert back.cell(i, 2).value == pytest.approx(row["share_excellent"])
    # text from the roster stays text
    names = [back.cell(i, 1).value for i in range(top + 1, last + 1)]
    assert '=HYPERLINK("http://x","y")' in names
    assert back.cell(top + 1 + names.index('=HYPERLINK("http://x","y")'), 1).data_type == "s"
    # people just under an edge are listed
    n_top, n_last = layout.near
    assert n_last - n_top == len(cal.near_edge) == 2
    assert {back.cell(i, 7).value for i in range(n_top + 1, n_last + 1)} == set(
        cal.near_edge["person_id"]
    )
    # A4 landscape, the forms' font
    assert back.page_setup.orientation == "landscape"
    assert str(back.page_setup.paperSize) == back.PAPERSIZE_A4 == "9"
    assert back.cell(top + 1, 1).font.name == "TH SarabunPSK"


def test_an_empty_round_builds_a_sheet_without_charts(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["person_id", "unit", "evaluator", "total", "band"])
    path = tmp_path / "empty.xlsx"
    path.write_bytes(calibration_bytes(calibrate(empty, RULES.bands)))
    assert _chart_refs(path) == []
    ws = openpyxl.load_workbook(path)[SHEET]
    assert "0 คน" in str(ws["A2"].value)


def _cells(ref: str) -> list[int]:
    m = re.fullmatch(r"'[^']+'!\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)", ref)
    assert m, ref
    return list(range(int(m[1]), int(m[2]) + 1))


def test_many_groups_are_charted_in_pages_covering_every_row(tmp_path: Path) -> None:
    rows = [
        {
            "person_id": f"P{i:04d}",
            "unit": f"หน่วยงานที่ {i % 12:02d}",
            "evaluator": f"ผู้ประเมินคนที่ {i % 37:02d}",
            "total": 60 + (i * 7) % 40,
            "band": RULES.band_for(Decimal(60 + (i * 7) % 40)).name,
        }
        for i in range(400)
    ]
    cal = calibrate(pd.DataFrame(rows), RULES.bands)
    path = tmp_path / "many.xlsx"
    path.write_bytes(calibration_bytes(cal))
    refs = _chart_refs(path)
    assert len(refs) == 7  # 37 evaluators: 4 charts of ≤ 10; 12 units: 3 charts of ≤ 4
    evaluator_rows: list[int] = []
    unit_rows: list[int] = []
    for found in refs:
        categories = [r for r in found if re.search(r"!\$A\$\d+:", r)]
        labels = [r for r in found if re.search(r"!\$Q\$\d+:", r)]
        assert len(categories) + len(labels) == 1
        if categories:
            evaluator_rows += _cells(categories[0])
        else:
            unit_rows += _cells(labels[0])
    ws = openpyxl.load_workbook(path)[SHEET]
    first_evaluator = next(r for r in range(1, 200) if ws.cell(r, 1).value == "ผู้ประเมิน") + 1
    assert evaluator_rows == list(range(first_evaluator, first_evaluator + 37))
    first_unit = (
        next(r for r in range(1, 300) if ws.cell(r, 17).value == "ป้ายแผนภูมิ (chart labels)") + 1
    )
    assert unit_rows == list(range(first_unit, first_unit + 12))
    assert [ws.cell(r, 17).value for r in unit_rows] == [f"หน่วยงานที่ {i:02d}" for i in range(12)]
    assert len(ws.row_breaks.brk) == 4  # three more chart pages, then the tables


def test_the_evaluators_earlier_rounds_are_shown_when_given(tmp_path: Path) -> None:
    from kpixl.core.calibration import evaluator_history

    cal = calibrate(_table(), RULES.bands)
    previous = pd.DataFrame(
        {
            "round": ["2567/1", "2567/2", "2567/2"],
            "evaluator": ["นางใจดี มากมาย", "นางใจดี มากมาย", ""],
            "mean": [90.5, 91.25, 70.0],
        }
    )
    lined = evaluator_history(cal.by_evaluator, previous, current_round="2568/1")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    layout = write_calibration(ws, cal, history=lined)
    assert layout.history is not None
    top, last = layout.history
    assert [ws.cell(top, c).value for c in range(1, 5)] == ["ผู้ประเมิน", "2567/1", "2567/2", "2568/1"]
    got = {
        ws.cell(r, 1).value: [ws.cell(r, c).value for c in (2, 3, 4)]
        for r in range(top + 1, last + 1)
    }
    assert got["นางใจดี มากมาย"][:2] == [90.5, 91.25]
    assert got["นางใจดี มากมาย"][2] == pytest.approx(92.5)
    assert got["(ไม่ระบุ / not given)"][:2] == [None, 70.0]
    assert len(got) == len(cal.by_evaluator)
    assert write_calibration(openpyxl.Workbook().create_sheet("x"), cal).history is None
