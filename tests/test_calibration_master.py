"""The master's Calibration sheet (kpixl consolidate): the pack's calibration page with
its two native charts, the evaluators' earlier rounds from the archive, and the
package kept sound (a second run, an older master, hostile roster text)."""

from __future__ import annotations

import io
import math
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string
from test_master_print import only_sheet, page_sizes, pdf_text, squash, word_points

from kpixl.core.calibration import NOT_GIVEN, calibrate, with_earlier
from kpixl.core.rules import default_rules
from kpixl.io.libreoffice import convert
from kpixl.io.xlsx_package import Package, sheet_parts
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo, build_rounds
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.calibration import NO_EARLIER
from kpixl.workbooks.master import master_bytes
from kpixl.workbooks.master_calibration import (
    EXCEL_NOTE,
    calibration_grid,
    calibration_of,
    roster_of,
    with_calibration_sheet,
)

RULES = default_rules()
TOP = {b.name for b in RULES.bands[:2]}  # ดีเด่น, ดีมาก
A4_LANDSCAPE = (842, 595)


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three consecutive demo rounds, each consolidated and archived (DIR/kpixl.db)."""
    out = tmp_path_factory.mktemp("rounds")
    done = build_rounds(out, 3)
    assert done.exit_code == 0, done.findings
    return out


def masters(root: Path) -> list[Path]:
    return sorted(root.glob("*/master.xlsx"))


def parts_of(path: Path | bytes) -> dict[str, bytes]:
    data = path if isinstance(path, bytes) else path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rels(parts: dict[str, bytes], part: str) -> list[str]:
    folder, _, base = part.rpartition("/")
    name = f"{folder}/_rels/{base}.rels"
    if name not in parts:
        return []
    return [t.lstrip("/") for t in re.findall(r'Target="([^"]+)"', parts[name].decode())]


def charts_of(parts: dict[str, bytes], sheet: str) -> list[str]:
    """The chart parts of ``sheet``'s drawing (through the package's relationships)."""
    part = sheet_parts(parts)[sheet]
    drawings = [t for t in rels(parts, part) if "drawings/" in t]
    return [c for d in drawings for c in rels(parts, d) if "charts/" in c]


def values(ws: Any, ref: str) -> list[Any]:
    """The cell values of a chart reference such as 'Calibration'!$D$30:$D$33."""
    m = re.fullmatch(r"'?([^'!]+)'?!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?", ref)
    assert m, ref
    assert m.group(1) == M.CALIBRATION
    col = column_index_from_string(m.group(2))
    last = int(m.group(5) or m.group(3))
    return [ws.cell(r, col).value for r in range(int(m.group(3)), last + 1)]


def table_below(ws: Any, head: str, after: int = 1) -> tuple[int, list[list[Any]]]:
    """The header row (from ``after``) whose first cell is ``head``, and the rows below
    it down to the first blank first cell."""
    top = next(r for r in range(after, ws.max_row + 1) if ws.cell(r, 1).value == head)
    rows = []
    r = top + 1
    while ws.cell(r, 1).value not in (None, ""):
        rows.append([ws.cell(r, c).value for c in range(1, 12)])
        r += 1
    return top, rows


def judged(master: Path) -> pd.DataFrame:
    """The master's Results with each person's evaluator from its Roster, plain pandas."""

    def read(sheet: str, headers: tuple[str, ...], columns: tuple[str, ...]) -> pd.DataFrame:
        frame = pd.read_excel(
            master, engine="openpyxl", sheet_name=sheet, header=M.HEADER_ROW - 1, dtype=str
        )
        return frame.rename(columns=dict(zip(headers, columns, strict=True)))

    results = read(M.RESULTS, M.RESULT_HEADERS, M.RESULT_COLUMNS)
    roster = read(M.ROSTER, M.ROSTER_HEADERS, M.ROSTER_COLUMNS)
    evaluator = dict(zip(roster["person_id"], roster["evaluator"].fillna(""), strict=True))
    results = results[results["person_id"].notna()]
    return results.assign(
        evaluator=results["person_id"].map(evaluator),
        total=pd.to_numeric(results["total"]),
        band=results["band"].fillna(""),
    )


# ------------------------------------------------------------- the sheet and charts


def test_the_consolidated_master_has_the_sheet_with_two_charts_over_its_cells(
    rounds: Path,
) -> None:
    master = masters(rounds)[0]
    parts = parts_of(master)
    names = list(sheet_parts(parts))
    assert names.index(M.CALIBRATION) > names.index(M.TRACKER)
    charts = charts_of(parts, M.CALIBRATION)
    assert len(charts) == 2
    ws = openpyxl.load_workbook(master)[M.CALIBRATION]
    refs = [re.findall(r"<(?:c:)?f>([^<]+)</(?:c:)?f>", parts[c].decode()) for c in charts]
    for chart in refs:
        assert chart and all(f.startswith(f"'{M.CALIBRATION}'!") for f in chart)
    cal = calibrate(judged(master), RULES.bands)
    top, rows = table_below(ws, "ผู้ประเมิน")
    assert [r[0] for r in rows] == list(cal.by_evaluator["evaluator"])
    # the first chart: the evaluators' means (the mean column) against the organisation's
    means = [values(ws, f) for f in refs[0]]
    assert list(cal.by_evaluator["mean"]) == pytest.approx(
        next(v for v in means if len(v) == len(rows) and v[0] == rows[0][4])
    )
    assert [cal.org_mean] * len(rows) in [pytest.approx(v) for v in means]
    assert list(cal.by_evaluator["evaluator"]) in means  # the categories
    # the table's numbers: count, mean, std, top share, diff and its interval
    for row, (_, want) in zip(rows, cal.by_evaluator.iterrows(), strict=True):
        got = dict(zip(("n", "not_evaluated", "mean", "std", "top_share"), row[2:7], strict=True))
        assert got["n"] == want["n"] and got["not_evaluated"] == want["not_evaluated"]
        for key in ("mean", "std", "top_share"):
            assert _same(got[key], want[key]), key
        assert _same(row[7], want["diff"]) and _same(row[8], want["diff_low"])
    # the second chart: band shares per unit, one series per band, the shares table's cells
    shares = [values(ws, f) for f in refs[1]]
    _, share_rows = table_below(ws, "หน่วยงาน", after=top + len(rows) + 5)
    for band_i, band in enumerate(RULES.bands):
        column = [r[1 + band_i] for r in share_rows]
        assert column in shares, band.name
        assert column == pytest.approx(list(cal.by_unit[f"share_{band.code}"]))
    assert all([b.name] in shares for b in RULES.bands)  # series named by the header cells


def _same(got: Any, want: float) -> bool:
    if want is None or (isinstance(want, float) and math.isnan(want)):
        return got is None
    return got == pytest.approx(want)


def test_each_evaluators_earlier_rounds_match_the_archive(rounds: Path) -> None:
    """Round 3's sheet shows rounds 1 and 2 per evaluator: their mean total and share
    of ดีเด่น+ดีมาก, as a plain-pandas reading of the archive gives them."""
    first, _, third = masters(rounds)
    with sqlite3.connect(rounds / "kpixl.db") as db:
        archived = pd.read_sql(
            "SELECT r.round_id, s.person_id, s.total, s.band, o.evaluator"
            " FROM kpixl_results s JOIN kpixl_rounds r ON r.round_pk = s.round_pk"
            " LEFT JOIN kpixl_roster o ON o.round_pk = s.round_pk AND o.person_id = s.person_id"
            " WHERE r.superseded_by IS NULL",
            db,
        )
    archived["evaluator"] = archived["evaluator"].fillna("").str.strip().replace("", NOT_GIVEN)
    scored = archived.dropna(subset=["total"])
    expected = {
        (rnd, ev): (g["total"].astype(float).mean(), g["band"].isin(TOP).mean())
        for (rnd, ev), g in scored.groupby(["round_id", "evaluator"])
    }
    ws = openpyxl.load_workbook(third)[M.CALIBRATION]
    title = next(
        r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("ผลรอบก่อน")
    )
    round_row = title + 1
    earlier = [ws.cell(round_row, c).value for c in (2, 4, 6)]
    assert earlier == ["2570/1", "2570/2", "2571/1 (รอบนี้)"]
    _, rows = table_below(ws, "ผู้ประเมิน", after=round_row)
    note = rows.pop()[0]  # under the table: how many earlier rounds the archive holds
    assert note.startswith("รอบก่อนหน้าในคลังข้อมูล 2 รอบ แสดง 2 รอบล่าสุด")
    now = calibrate(judged(third), RULES.bands).by_evaluator.set_index("evaluator")
    assert [r[0] for r in rows] == list(now.index)
    checked = 0
    for row in rows:
        evaluator = row[0]
        for i, rnd in enumerate(("2570/1", "2570/2")):
            mean, share = row[1 + 2 * i], row[2 + 2 * i]
            if (rnd, evaluator) not in expected:
                assert mean is None and share is None
                continue
            assert mean == pytest.approx(expected[rnd, evaluator][0])
            assert share == pytest.approx(expected[rnd, evaluator][1])
            checked += 1
        assert row[5] == pytest.approx(now.loc[evaluator, "mean"])
        assert row[6] == pytest.approx(now.loc[evaluator, "top_share"])
    assert checked >= 4  # the demo's evaluators were there in the earlier rounds
    # the first round had none before it: the sheet says so
    ws1 = openpyxl.load_workbook(first)[M.CALIBRATION]
    assert NO_EARLIER in [ws1.cell(r, 1).value for r in range(1, ws1.max_row + 1)]
    assert "2570/1" not in [ws1.cell(r, 2).value for r in range(1, ws1.max_row + 1)]


def test_consolidating_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    first = consolidate(demo.master)
    assert first.exit_code == 0
    once = demo.master.read_bytes()
    assert len(charts_of(parts_of(once), M.CALIBRATION)) == 2
    assert consolidate(demo.master).exit_code == 0
    assert demo.master.read_bytes() == once


def test_the_round_with_earlier_rounds_is_reproducible_too(rounds: Path, tmp_path: Path) -> None:
    copy = tmp_path / "rounds"
    shutil.copytree(rounds, copy)
    master = masters(copy)[-1]
    before = master.read_bytes()
    assert consolidate(master).exit_code == 0
    assert master.read_bytes() == before
    parts = parts_of(master)
    drawings = [n for n in parts if n.startswith("xl/drawings/drawing")]
    charts = [n for n in parts if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
    assert len(drawings) == 2 and len(charts) == 4  # the Charts sheet's and this one's


def _without_sheet(data: bytes, name: str) -> bytes:
    """A master as an older template made it: no sheet ``name`` (nor its parts)."""
    package = Package.read(data)
    part = package.sheets[name]
    book = package.parts["xl/workbook.xml"].decode()
    entry = re.search(rf'<sheet name="{name}" [^>]*r:id="(rId\d+)"\s*/>', book)
    assert entry
    book = book.replace(entry.group(0), "")
    index = list(package.sheets).index(name)
    book = re.sub(
        rf'<definedName name="_xlnm.Print_Area" localSheetId="{index}">[^<]*</definedName>',
        "",
        book,
    )
    rels_xml = package.parts["xl/_rels/workbook.xml.rels"].decode()
    rels_xml = re.sub(rf'<Relationship [^>]*Id="{entry.group(1)}"[^>]*/>', "", rels_xml)
    types = package.parts["[Content_Types].xml"].decode()
    types = re.sub(rf'<Override PartName="/{part}"[^>]*/>', "", types)
    package.order.remove(part)
    return package.to_bytes(
        {
            "xl/workbook.xml": book.encode(),
            "xl/_rels/workbook.xml.rels": rels_xml.encode(),
            "[Content_Types].xml": types.encode(),
        }
    )


def test_an_older_master_gets_the_sheet(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    old = _without_sheet(demo.master.read_bytes(), M.CALIBRATION)
    assert M.CALIBRATION not in sheet_parts(parts_of(old))
    demo.master.write_bytes(old)
    assert consolidate(demo.master).exit_code == 0
    parts = parts_of(demo.master)
    assert list(sheet_parts(parts))[-1] == M.CALIBRATION
    assert len(charts_of(parts, M.CALIBRATION)) == 2
    wb = openpyxl.load_workbook(demo.master)  # a sound package
    assert wb[M.CALIBRATION].print_area
    once = demo.master.read_bytes()
    assert consolidate(demo.master).exit_code == 0
    assert demo.master.read_bytes() == once


HOSTILE = ['=HYPERLINK("http://example.org","x")', "+cmd|' /C calc'!A0", "หัวหน้า\x07ก"]


def test_hostile_evaluator_names_stay_text(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[M.ROSTER_COLUMNS.index("evaluator")]
    edits = {f"{column}{M.FIRST_ROW + i}": text for i, text in enumerate(HOSTILE * 2)}
    demo.master.write_bytes(Package.read(demo.master.read_bytes()).patched({M.ROSTER: edits}))
    assert consolidate(demo.master).exit_code in (0, 1)
    parts = parts_of(demo.master)
    sheet = parts[sheet_parts(parts)[M.CALIBRATION]].decode()
    assert "<f>" not in sheet and "<f " not in sheet  # no formula at all
    ws = openpyxl.load_workbook(demo.master)[M.CALIBRATION]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert HOSTILE[0] in texts and HOSTILE[1] in texts
    assert any(t.startswith("หัวหน้า") and t.endswith("ก") for t in texts)


def test_one_evaluator_and_no_results_do_not_crash() -> None:
    template = master_bytes()
    empty = pd.DataFrame(columns=["person_id", "unit", "evaluator", "total", "band"])
    one = pd.DataFrame(
        {
            "person_id": ["1", "2", "3"],
            "unit": ["U01", "U01", "U02"],
            "evaluator": ["นายหนึ่ง"] * 3,
            "total": [91.0, 75.5, None],
            "band": ["ดีเด่น", "ดี", ""],
        }
    )
    for results in (empty, one):
        cal = with_earlier(calibrate(results, RULES.bands), None, current_round="2570/1")
        data = with_calibration_sheet(template, cal, round_id="2570/1")
        ws = openpyxl.load_workbook(io.BytesIO(data))[M.CALIBRATION]
        cells = [c.value for row in ws.iter_rows() for c in row]
        assert NO_EARLIER in cells
        charts = charts_of(parts_of(data), M.CALIBRATION)
        assert len(charts) == (0 if results is empty else 2)
        # grafting the other one over it leaves no chart part behind
        again = with_calibration_sheet(data, cal, round_id="2570/1")
        assert again == data
    many = with_calibration_sheet(
        template,
        calibrate(one, RULES.bands),
        round_id="2570/1",
    )
    none = with_calibration_sheet(many, calibrate(empty, RULES.bands), round_id="2570/1")
    parts = parts_of(none)
    assert not charts_of(parts, M.CALIBRATION)
    template_charts = {n for n in parts_of(template) if n.startswith("xl/charts/")}
    assert {n for n in parts if n.startswith("xl/charts/")} == template_charts


def test_the_excel_buttons_rows_are_the_sheets_values(rounds: Path) -> None:
    """The button writes the same values (the charts' room holds a note instead)."""
    master = masters(rounds)[-1]
    from kpixl.jobs.past import read_past
    from kpixl.workbooks.master import read_master

    inputs = read_master(master)
    past = read_past(master, inputs.config, [])
    assert past is not None and past.rounds == ["2570/1", "2570/2"]
    cal = calibration_of(
        judged(master).assign(total=lambda f: f["total"].astype(object)),
        roster_of(master.read_bytes()),
        RULES,
        round_id="2571/1",
        past=past,
    )
    grid = calibration_grid(cal, round_id="2571/1")
    ws = openpyxl.load_workbook(master)[M.CALIBRATION]
    assert EXCEL_NOTE in grid[4]
    for r, row in enumerate(grid, start=1):
        if r == 5:
            continue
        for c, value in enumerate(row, start=1):
            want = ws.cell(r, c).value
            if value == "":
                assert want in (None, ""), (r, c)
            elif isinstance(value, float):
                assert want == pytest.approx(value), (r, c)
            else:
                assert want == value, (r, c)


# ------------------------------------------------------------------ on paper


@pytest.mark.libreoffice
def test_the_sheet_prints_on_a4_at_12_pt_or_more(rounds: Path, tmp_path: Path) -> None:
    master = masters(rounds)[-1]
    copy = only_sheet(master, M.CALIBRATION, tmp_path / "Calibration.xlsx")
    pdf = convert([copy], tmp_path / "out", to="pdf")[0]
    sizes = page_sizes(pdf)
    assert sizes and all(size == A4_LANDSCAPE for size in sizes), sizes
    text = squash(pdf_text(pdf))
    for words in ("ค่าเฉลี่ยคะแนนรวมรายผู้ประเมิน", "สัดส่วนระดับผลรายหน่วยงาน", "2570/1", "2571/1"):
        assert squash(words) in text, words
    words = word_points(pdf)
    assert len(words) > 100
    small = [(round(pt, 1), w) for pt, w in words if pt < 11.9]
    assert not small, small[:10]


def test_the_committee_pack_shows_the_same_earlier_rounds(rounds: Path, tmp_path: Path) -> None:
    from kpixl.jobs.report import write_report
    from kpixl.workbooks.calibration import SHEET

    master = masters(rounds)[-1]
    report = write_report(master, out=tmp_path / "pack.xlsx")
    assert report.out is not None and report.exit_code == 0
    page = openpyxl.load_workbook(report.out)[SHEET]
    sheet = openpyxl.load_workbook(master)[M.CALIBRATION]

    def earlier(ws: Any) -> list[list[Any]]:
        title = next(
            r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("ผลรอบก่อน")
        )
        return [
            [ws.cell(r, c).value for c in range(1, 8)] for r in range(title + 1, ws.max_row + 1)
        ]

    ours = earlier(page)
    assert ours[0][:6] == ["รอบ / round", "2570/1", None, "2570/2", None, "2571/1 (รอบนี้)"]
    assert ours == earlier(sheet)


def test_a_package_the_sheet_cannot_go_into_is_a_warning_not_a_crash() -> None:
    from types import SimpleNamespace

    from kpixl.workbooks.master_calibration import calibration_sheet

    package = Package.read(master_bytes())
    styles = package.parts["xl/styles.xml"].decode()
    odd = package.to_bytes(
        {"xl/styles.xml": re.sub(r"<cellXfs\b.*?</cellXfs>", "", styles, flags=re.S).encode()}
    )
    results = pd.DataFrame({"person_id": ["1"], "unit": ["U01"], "total": [80.5], "band": ["ดีมาก"]})
    c = SimpleNamespace(results=results, rules=RULES, findings=[], past=None)
    assert calibration_sheet(odd, c, {"round_id": "2570/1"}) == odd
    assert [f.rule for f in c.findings] == ["calibration.not_written"]
    assert "Calibration" in c.findings[0].message_en
