"""The screening committee's pack, ``kpixl report`` (issue 15, item 4).

Real files throughout: the demo round consolidated, a crafted master of 60 units, and
the pack's workbook, chart XML and PDF (LibreOffice). The pack's numbers are held to the
master's Results sheet recomputed here with plain pandas; the charts are read from the
package's XML; the PDF is read with poppler (page sizes, embedded fonts, text).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from test_master_print import word_points

from kpixl.cli import cli
from kpixl.core.rules import load_rules
from kpixl.io.libreoffice import soffice
from kpixl.io.xlsx_package import Package
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.jobs.report import committee_pack, default_out
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import report as R
from kpixl.workbooks.master import master_bytes
from kpixl.workbooks.thai_wrap import LABEL_WIDTH, chart_label

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
RULES = load_rules()
BANDS = [b.name for b in RULES.bands]
UNIT_COUNT = 60
LONG_NAME = "สำนักงานส่งเสริมและพัฒนาระบบเทคโนโลยีสารสนเทศและการสื่อสาร"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo round (3 units, 20 people, a few bad inputs), consolidated."""
    out = tmp_path_factory.mktemp("demo")
    result = build_demo(out, messy=True)
    consolidate(result.master)
    return result.master


@pytest.fixture(scope="module")
def sixty(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A consolidated master crafted to hold 60 units: the demo's Results rows repeated
    six times over the units U01…U60 (one unit with a long name), Units to match."""
    path = tmp_path_factory.mktemp("sixty") / "master.xlsx"
    wb = openpyxl.load_workbook(demo)
    units, results = wb[M.UNITS], wb[M.RESULTS]
    units.delete_rows(M.FIRST_ROW, units.max_row)
    for i in range(UNIT_COUNT):
        name = LONG_NAME if i == 7 else f"กลุ่มงานที่ {i + 1}"
        units.append([f"U{i + 1:02d}", name, ""])
    rows = [
        [c.value for c in row]
        for row in results.iter_rows(min_row=M.FIRST_ROW)
        if row[0].value not in (None, "")
    ]
    results.delete_rows(M.FIRST_ROW, results.max_row)
    unit_col = M.RESULT_COLUMNS.index("unit")
    for copy in range(6):
        for j, row in enumerate(rows):
            row = list(row)
            row[0] = f"{row[0]}{copy}"  # another person
            row[unit_col] = f"U{(copy * len(rows) + j) % UNIT_COUNT + 1:02d}"
            results.append(row)
    wb.save(path)
    return path


def results_of(master: Path) -> pd.DataFrame:
    """The master's Results sheet with plain pandas, its Thai headers as field names."""
    frame = pd.read_excel(
        master, engine="openpyxl", sheet_name=M.RESULTS, header=M.HEADER_ROW - 1, dtype={0: str}
    )
    frame = frame.rename(columns=dict(zip(M.RESULT_HEADERS, M.RESULT_COLUMNS, strict=True)))
    return frame[frame["person_id"].notna()]


def unit_names(master: Path) -> dict[str, str]:
    units = pd.read_excel(
        master, engine="openpyxl", sheet_name=M.UNITS, header=M.HEADER_ROW - 1, dtype=str
    )
    return dict(zip(units.iloc[:, 0], units.iloc[:, 1], strict=True))


def sheet_table(path: Path, sheet: str, first_header: str) -> pd.DataFrame:
    """A table of the pack's workbook: the rows under the header row starting with
    ``first_header``, down to the first blank row."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    top = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    width = rows[top].index(None) if None in rows[top] else len(rows[top])
    headers = rows[top][:width]  # the printed table (the charts' own columns lie beyond)
    body = []
    for row in rows[top + 1 :]:
        if row[0] in (None, ""):
            break
        body.append(row[:width])
    return pd.DataFrame(body, columns=headers)


def write_pack(master: Path, tmp_path: Path, *args: str) -> tuple[Path, object]:
    out = tmp_path / "pack.xlsx"
    done = CliRunner().invoke(cli, ["report", str(master), "--out", str(out), *args])
    assert done.exit_code == 0, done.output
    assert "Traceback" not in done.output
    return out, done


# ------------------------------------------------------------------ the numbers


def test_band_counts_per_unit_are_the_masters(demo: Path, tmp_path: Path) -> None:
    out, _ = write_pack(demo, tmp_path)
    results, names = results_of(demo), unit_names(demo)
    expected = results.groupby(["unit", "band"]).size()
    table = sheet_table(out, R.BANDS, "หน่วยงาน")
    assert table["หน่วยงาน"].tolist() == [*names.values(), "รวม"]
    for code, name in names.items():
        row = table[table["หน่วยงาน"] == name].iloc[0]
        for band in BANDS:
            assert row[band] == expected.get((code, band), 0), (name, band)
        assert row["รวม"] == (results["unit"] == code).sum()
    total = table[table["หน่วยงาน"] == "รวม"].iloc[0]
    assert total["รวม"] == len(results)
    assert [total[b] for b in BANDS] == [(results["band"] == b).sum() for b in BANDS]


def test_summary_by_unit_and_pool_group_is_the_masters(demo: Path, tmp_path: Path) -> None:
    out, _ = write_pack(demo, tmp_path)
    results, names = results_of(demo), unit_names(demo)
    table = sheet_table(out, R.BY_UNIT, "หน่วยงาน")
    rows = table[table["หน่วยงาน"].isin(names.values())]
    seen = set()
    for row in rows.to_dict("records"):
        code = next(c for c, n in names.items() if n == row["หน่วยงาน"])
        mine = results[(results["unit"] == code) & (results["pool_group"] == row["กลุ่มวงเงิน"])]
        seen.add((code, row["กลุ่มวงเงิน"]))
        assert row["จำนวนคน"] == len(mine)
        for band in BANDS:
            assert row[band] == (mine["band"] == band).sum()
        assert row["ใช้วงเงิน (บาท)"] == pytest.approx(mine["cost"].sum())
        assert row["เงินที่ได้เลื่อน (บาท)"] == pytest.approx(mine["increase"].sum())
        assert row["คะแนนเฉลี่ย"] == pytest.approx(mine["total"].mean(), abs=0.005)
    assert seen == set(zip(results["unit"], results["pool_group"], strict=True))
    grand = table[table["หน่วยงาน"] == "รวมทั้งส่วนราชการ"].iloc[0]
    assert grand["จำนวนคน"] == len(results)
    assert grand["ใช้วงเงิน (บาท)"] == pytest.approx(results["cost"].sum())


def test_pool_use_per_unit_is_the_masters(demo: Path, tmp_path: Path) -> None:
    """Allocated per unit and group = the Results' pool use; the units' shares of a
    group's pool add up to it less under a baht a unit (shares are whole baht)."""
    out, _ = write_pack(demo, tmp_path)
    results, names = results_of(demo), unit_names(demo)
    table = sheet_table(out, R.POOL_USE, "หน่วยงาน")
    share = next(h for h in table.columns if h.startswith("วงเงินตามสัดส่วน"))
    for row in table.to_dict("records"):
        code = next(c for c, n in names.items() if n == row["หน่วยงาน"])
        mine = results[(results["unit"] == code) & (results["pool_group"] == row["กลุ่มวงเงิน"])]
        assert row["ใช้ไป (บาท)"] == pytest.approx(mine["cost"].sum())
        assert row["คงเหลือ (บาท)"] == pytest.approx(row[share] - row["ใช้ไป (บาท)"])
    pools = pd.read_excel(demo, engine="openpyxl", sheet_name=M.POOLS, header=M.HEADER_ROW - 1)
    for group, pool in zip(pools["กลุ่มวงเงิน"], pools["วงเงิน"], strict=True):
        shares = table.loc[table["กลุ่มวงเงิน"] == group, share].sum()
        assert pool - len(names) < shares <= pool


def test_histogram_and_band_edges_are_the_masters(demo: Path, tmp_path: Path) -> None:
    out, _ = write_pack(demo, tmp_path, "--margin", "5")
    results = results_of(demo)
    totals = results["total"].astype(float)
    hist = sheet_table(out, R.HISTOGRAM, "ช่วงคะแนนรวม")
    assert hist["จำนวนคน"].sum() == len(results)
    assert hist["จำนวนคน"].iloc[0] == (totals < 50).sum()
    assert hist["จำนวนคน"].iloc[-1] == (totals >= 95).sum()
    edges = [float(b.min_total) for b in RULES.bands if b.min_total is not None]
    near = results[[any(0 < e - t <= 5 for e in edges) for t in totals]]
    assert len(near) > 0
    table = sheet_table(out, R.EDGES, "ชื่อ-สกุล")
    assert sorted(table["ชื่อ-สกุล"]) == sorted(near["name"])
    for row in table.to_dict("records"):
        assert row["เกณฑ์"] in edges
        assert 0 < row["ขาดอีก"] <= 5
        assert row["ขาดอีก"] == pytest.approx(row["เกณฑ์"] - row["คะแนนรวม"])


def test_the_issues_list_is_the_masters(demo: Path, tmp_path: Path) -> None:
    out, _ = write_pack(demo, tmp_path)
    issues = pd.read_excel(demo, engine="openpyxl", sheet_name=M.ISSUES, header=M.HEADER_ROW - 1)
    assert len(issues) > 0  # the messy demo has findings
    table = sheet_table(out, R.ISSUES, "ระดับ")
    assert table["รหัสกฎ"].tolist() == issues["รหัสกฎ"].tolist()
    assert table["ข้อความ"].tolist() == issues["ข้อความ"].tolist()


# ------------------------------------------------------------------ the charts


def chart_refs(path: Path) -> list[dict[str, list[str]]]:
    """Each chart of the workbook: its series' category and value references."""
    charts = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            root = ElementTree.fromstring(z.read(name))
            refs: dict[str, list[str]] = {"cat": [], "val": []}
            for ser in root.iter(f"{C}ser"):
                for kind in ("cat", "val"):
                    for part in ser.findall(f"{C}{kind}"):
                        refs[kind] += [f.text or "" for f in part.iter(f"{C}f")]
            charts.append(refs)
    return charts


def resolve(wb: openpyxl.Workbook, ref: str) -> tuple[str, list[int], list[object]]:
    """``'sheet'!$A$5:$A$9`` → (sheet, row numbers, values)."""
    sheet, _, cells = ref.rpartition("!")
    ws = wb[sheet.strip("'")]
    cells = cells.replace("$", "")
    rows = [c for row in ws[cells] for c in (row if isinstance(row, tuple) else (row,))]
    return ws.title, [c.row for c in rows], [c.value for c in rows]


@pytest.mark.parametrize("which", ["demo", "sixty"])
def test_the_band_chart_covers_every_unit(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The bars of the band charts are every unit once, in the Units order, each bar's
    values from its own unit's row; paged at most UNITS_PER_CHART to a chart."""
    master = request.getfixturevalue(which)
    out, _ = write_pack(master, tmp_path)
    wb = openpyxl.load_workbook(out)
    names = list(unit_names(master).values())
    labels: list[str] = []
    band_charts = 0
    for chart in chart_refs(out):
        sheet, cat_rows, values = resolve(wb, chart["cat"][0])
        if sheet != R.BANDS:
            continue
        band_charts += 1
        assert len(chart["val"]) == len(BANDS)
        assert len(cat_rows) <= R.UNITS_PER_CHART
        for ref in chart["cat"]:
            assert resolve(wb, ref)[1] == cat_rows
        for ref in chart["val"]:
            _, val_rows, counts = resolve(wb, ref)
            assert val_rows == cat_rows  # each bar's numbers are its unit's
            assert all(isinstance(v, int) for v in counts)
        labels += [str(v) for v in values]
    assert [x.replace("\n", "") for x in labels if "…" not in x] == [
        n for n in names if chart_label(n).find("…") < 0
    ]
    assert len(labels) == len(names)
    assert band_charts == math.ceil(len(names) / R.UNITS_PER_CHART) or (
        band_charts == math.ceil(len(names) / R.UNITS_PER_CHART_2)
    )
    # the table the charts read: each unit's row holds its counts
    table = sheet_table(out, R.BANDS, "หน่วยงาน")
    assert table["หน่วยงาน"].tolist()[:-1] == names


def test_the_pool_chart_covers_every_unit(sixty: Path, tmp_path: Path) -> None:
    out, _ = write_pack(sixty, tmp_path)
    wb = openpyxl.load_workbook(out)
    results = results_of(sixty)
    names = unit_names(sixty)
    used: dict[str, float] = {}
    for chart in chart_refs(out):
        sheet, _, labels = resolve(wb, chart["cat"][0])
        if sheet != R.POOL_USE:
            continue
        _, _, spent = resolve(wb, chart["val"][1])
        for label, amount in zip(labels, spent, strict=True):
            used[str(label)] = float(amount or 0)
    assert len(used) == UNIT_COUNT
    for code, name in names.items():
        assert used[chart_label(name)] == pytest.approx(
            results.loc[results["unit"] == code, "cost"].sum()
        )


@pytest.mark.parametrize(
    "name",
    [
        "กลุ่มเทคโนโลยีสารสนเทศ",
        "กลุ่มบริหารทรัพยากรบุคคล",
        "ศูนย์ปฏิบัติการต่อต้านการทุจริต",
        LONG_NAME,
        "Division of International Cooperation Affairs",
        "ก" * 50,
    ],
)
def test_a_chart_label_is_two_short_lines_broken_where_thai_may_break(name: str) -> None:
    label = chart_label(name)
    lines = label.split("\n")
    assert 1 <= len(lines) <= 2
    marks = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0e30\u0e32\u0e33]")
    for line in lines:
        assert len(marks.sub("", line)) <= LABEL_WIDTH
        assert not marks.match(line)  # no line starts with a mark or a following vowel
        assert line[-1] not in "เแโใไ"
    if "…" not in label:
        assert label.replace("\n", "").replace(" ", "") == name.replace(" ", "")


# ------------------------------------------------------------------ bad inputs


def run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["report", *args])
    assert "Traceback" not in done.output
    assert done.exception is None or isinstance(done.exception, SystemExit)
    return done.exit_code, done.output


def test_a_master_not_consolidated_yet_is_a_finding(tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(master_bytes(organisation="สำนักงานทดสอบ"))
    before = master.read_bytes()
    code, output = run(str(master))
    assert code == 1
    assert "report.not_consolidated" in output
    assert "ยังไม่ได้รวมผล" in output and "not consolidated yet" in output
    assert "master.xlsx" in output and "kpixl consolidate" in output
    assert not default_out(master).exists()
    assert master.read_bytes() == before


def test_a_workbook_that_is_no_master_is_a_finding(tmp_path: Path) -> None:
    other = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "งบประมาณ"
    wb.save(other)
    code, output = run(str(other))
    assert code == 1
    assert "file.not_kpixl" in output and "budget.xlsx" in output
    assert "ไม่ใช่สมุดงานหลัก" in output and "not a kpixl master" in output


def test_a_master_without_its_result_sheets_is_a_finding(demo: Path, tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    wb = openpyxl.load_workbook(demo)
    del wb[M.POOLS]
    wb.save(master)
    code, output = run(str(master))
    assert code == 1
    assert "report.no_table" in output and M.POOLS in output and "master.xlsx" in output


@pytest.mark.parametrize(
    "content", [b"not a workbook at all", b"PK\x03\x04" + b"\x00" * 40], ids=["text", "torn zip"]
)
def test_an_unreadable_master_is_a_finding(content: bytes, tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(content)
    code, output = run(str(master))
    assert code == 1
    assert "master.xlsx" in output and "ERROR file." in output
    assert master.read_bytes() == content


def test_a_missing_master_is_a_finding(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nowhere.xlsx"))
    assert code == 1
    assert "nowhere.xlsx" in output and "ERROR" in output


def test_the_pack_goes_beside_the_master_and_leaves_it_unchanged(
    demo: Path, tmp_path: Path
) -> None:
    master = tmp_path / "round.xlsx"
    shutil.copy(demo, master)
    before = master.read_bytes()
    code, output = run(str(master))
    assert code == 0, output
    assert (tmp_path / "round-committee.xlsx").exists()
    assert master.read_bytes() == before
    pack, findings = committee_pack(master, margin=Decimal("1"))
    assert pack is not None and not findings
    assert len(pack.units) == 3 and pack.bands == tuple(BANDS)


# ------------------------------------------------------------------ the paper


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def printed(name: str, text: str) -> bool:
    """Whether ``name`` is printed in ``text`` (whitespace ignored): whole, or, wrapped
    in its cell, as pieces of it in order (pdftotext gives a cell's lines apart)."""
    name, text = re.sub(r"\s+", "", name), re.sub(r"\s+", "", text)
    i = j = 0
    while i < len(name):
        k = len(name) - i
        while k and name[i : i + k] not in text[j:]:
            k -= 1
        if k < min(4, len(name) - i):
            return False
        j = text.index(name[i : i + k], j) + k
        i += k
    return True


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "1000", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    ]


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("which", ["demo", "sixty"])
def test_the_pdf_is_a4_with_thai_fonts_embedded_and_every_unit(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    master = request.getfixturevalue(which)
    pdf = tmp_path / "committee.pdf"
    _, done = write_pack(master, tmp_path, "--pdf", str(pdf))
    assert str(pdf) in done.output  # type: ignore[attr-defined]
    sizes = page_sizes(pdf)
    assert len(sizes) >= len(R.SECTIONS)
    for w, h in sizes:  # A4, portrait or landscape
        assert sorted((round(w), round(h))) == [595, 842]
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert line.split()[-5] == "yes", line  # the "emb" column: every font embedded
    thai = {"Laksaman", "THSarabunPSK", "THSarabunNew"}
    assert {line.split()[0].split("+")[-1].split("-")[0] for line in fonts} <= thai
    text = pdf_text(pdf)
    assert "###" not in text
    flat = re.sub(r"\s+", "", text)
    for title in R.SECTIONS.values():
        assert re.sub(r"\s+", "", title) in flat, title
    for name in unit_names(master).values():
        assert printed(name, text), name


def test_without_libreoffice_the_pack_is_written_and_the_pdf_is_a_finding(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpixl.io import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    out, pdf = tmp_path / "pack.xlsx", tmp_path / "pack.pdf"
    code, output = run(str(demo), "--out", str(out), "--pdf", str(pdf))
    assert code == 1
    assert "report.pdf_failed" in output and "LibreOffice" in output and "pack.pdf" in output
    assert out.exists() and not pdf.exists()


def test_tables_are_found_by_their_headers_wherever_they_are() -> None:
    from kpixl.workbooks.master_outputs import find_header

    grid = [["title"], [], ["x", "ชื่อ", "รหัส", "ชื่อ", "y"], ["", "a", "b", "c", ""]]
    assert find_header(grid, ["รหัส", "ชื่อ", "ชื่อ"]) == (3, {0: 2, 1: 1, 2: 3})
    assert find_header(grid, ["รหัส", "ไม่มี"]) is None


def test_json_output_names_the_files(demo: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "pack.xlsx"
    code, output = run(str(demo), "--out", str(out), "--json")
    assert code == 0
    data = json.loads(output)
    assert data["out"] == str(out) and data["pdf"] is None and data["units"] == 3


def test_band_edges_are_the_rounds_own(demo: Path, tmp_path: Path) -> None:
    """An agency that moves ดี's edge to 72 in the master's Config gets its people at
    72's edge, not at the default 70's."""
    folder = tmp_path / "round"
    shutil.copytree(demo.parent, folder)
    master = folder / demo.name
    wb = openpyxl.load_workbook(master)
    config = wb[M.CONFIG]
    row = next(r for r in config.iter_rows() if r[0].value == "bands.2.min_total")
    row[1].value = 72
    wb.save(master)
    consolidate(master)
    out, _ = write_pack(master, tmp_path, "--margin", "3")
    totals = results_of(master)
    edges = [90, 80, 72, 60]
    near = totals[[any(0 < e - t <= 3 for e in edges) for t in totals["total"].astype(float)]]
    table = sheet_table(out, R.EDGES, "ชื่อ-สกุล")
    assert sorted(table["ชื่อ-สกุล"]) == sorted(near["name"])
    assert set(table["เกณฑ์"]) <= set(edges) and 72 in set(table["เกณฑ์"])


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_every_word_of_the_pdf_prints_at_12_pt_or_more(demo: Path, tmp_path: Path) -> None:
    """Fit-to-width shrinks a wide table: the widths are kept so that 14 pt text (and
    the footer) still prints at 12 pt or more on every page."""
    pdf = tmp_path / "committee.pdf"
    write_pack(demo, tmp_path, "--pdf", str(pdf))
    words = word_points(pdf)
    assert len(words) > 200
    small = [(round(pt, 1), w) for pt, w in words if pt < 11.9]
    assert not small, small[:10]


def test_text_from_the_master_stays_text_in_the_pack(demo: Path, tmp_path: Path) -> None:
    """A unit's name that starts with "=" and holds a control character is written into
    the pack (tables and chart labels) as text: never a formula, never a crash."""
    master = tmp_path / "master.xlsx"
    wb = openpyxl.load_workbook(demo)
    cell = wb[M.UNITS].cell(row=M.FIRST_ROW, column=2)
    # the control character as OOXML carries it (openpyxl refuses the raw character)
    cell.value, cell.data_type = '=HYPERLINK("http://example.org","x")_x0007_', "s"
    wb.save(master)
    out, _ = write_pack(master, tmp_path)
    pack = openpyxl.load_workbook(out)
    cells = [c for ws in pack.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f" and "HYPERLINK" in str(c.value)]
    shown = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert shown and all(c.startswith("=HYPERLINK") for c in shown)


def test_the_pack_holds_the_calibration_of_the_masters_evaluators(
    demo: Path, tmp_path: Path
) -> None:
    """The calibration sheet (kpixl.core.calibration) counts each evaluator's people as
    the Roster's evaluator column and the Results give them, with their mean total."""
    from kpixl.workbooks.calibration import SHEET

    out, _ = write_pack(demo, tmp_path)
    wb = openpyxl.load_workbook(out)
    assert SHEET in wb.sheetnames
    master = openpyxl.load_workbook(demo, read_only=True)
    roster = {
        str(r[M.ROSTER_COLUMNS.index("person_id")]): r[M.ROSTER_COLUMNS.index("evaluator")] or ""
        for r in master[M.ROSTER].iter_rows(min_row=M.FIRST_ROW, values_only=True)
        if r[0]
    }
    pid, total = M.RESULT_COLUMNS.index("person_id"), M.RESULT_COLUMNS.index("total")
    totals: dict[str, list[float]] = {}
    for r in master[M.RESULTS].iter_rows(min_row=M.FIRST_ROW, values_only=True):
        if r[pid] and isinstance(r[total], (int, float)):
            totals.setdefault(str(roster.get(str(r[pid]), "")).strip(), []).append(r[total])
    shown: dict[str, tuple[object, object]] = {}
    for row in wb[SHEET].iter_rows():  # the by-evaluator table comes first
        if row[0].value and str(row[0].value).strip() in totals and row[2].value is not None:
            shown.setdefault(str(row[0].value), (row[2].value, row[4].value))
    for evaluator, values in totals.items():
        if not evaluator:
            continue
        count, mean = shown[evaluator]
        assert count == len(values)
        assert mean == pytest.approx(sum(values) / len(values), abs=0.01)


def test_without_an_archive_the_pack_says_no_earlier_round(demo: Path, tmp_path: Path) -> None:
    from kpixl.workbooks.calibration import NO_EARLIER, SHEET

    assert not (demo.parent / "kpixl.db").exists()
    out, done = write_pack(demo, tmp_path)
    cells = [c.value for row in openpyxl.load_workbook(out)[SHEET].iter_rows() for c in row]
    assert NO_EARLIER in cells
    assert "history.unreadable" not in done.output  # no archive is no finding


def test_an_archive_config_names_but_cannot_be_read_is_a_warning(
    demo: Path, tmp_path: Path
) -> None:
    from kpixl.workbooks.calibration import NO_EARLIER, SHEET
    from kpixl.workbooks.master import read_master

    master = tmp_path / "master.xlsx"
    row = read_master(demo).config_rows["archive_db"]
    edited = Package.read(demo.read_bytes()).patched({M.CONFIG: {f"B{row}": "no-such.db"}})
    master.write_bytes(edited)
    out, done = write_pack(master, tmp_path)
    assert "history.unreadable" in done.output
    cells = [c.value for row in openpyxl.load_workbook(out)[SHEET].iter_rows() for c in row]
    assert NO_EARLIER in cells
