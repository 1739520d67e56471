"""KPI cards (issue 15, item 7): the seed's KPI Template on every KPI, real text in the
demo, old masters still readable, and ``kpixl cascade cards``: one A4 page per card."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from kpixl.cli import cli
from kpixl.core.cascade import CARD_EXTRA_FIELDS, CARD_FIELDS, check_cascade
from kpixl.core.kpi_cards import strategy_cards, with_measure
from kpixl.core.vocab import KINDS
from kpixl.io.backups import BACKUP_DIR
from kpixl.io.libreoffice import soffice
from kpixl.jobs.cascade import cascade_report, individual_kpis, kpi_cards
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.kpi_cards import SHEETS, card_title, cards_workbook
from kpixl.workbooks.master import read_master
from kpixl.workbooks.personal_layout import LEVEL_MEANINGS

FISCAL_YEAR = 2570  # the demo's round is 2570/1


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo round (3 units, 20 people): master, unit and personal workbooks."""
    return build_demo(tmp_path_factory.mktemp("cards") / "demo").master


def strategy(master: Path) -> dict[str, pd.DataFrame]:
    inputs = read_master(master)
    assert inputs.findings == []
    return inputs.strategy


def cards_of(master: Path, tmp_path: Path, *args: str) -> tuple[Path, dict[str, object]]:
    out = tmp_path / "cards.xlsx"
    done = CliRunner().invoke(
        cli, ["cascade", "cards", str(master), "--out", str(out), "--json", *args]
    )
    assert done.exit_code == 0, done.output
    return out, json.loads(done.output)


# ------------------------------------------------------------------ the demo's cards


def test_the_demo_cards_are_real_text_that_matches_their_kpis(demo: Path) -> None:
    tables = strategy(demo)
    org, units, cards = tables[M.ORG_KPIS], tables[M.UNIT_KPIS], tables[M.KPI_CARDS]
    kpis = pd.concat([org[["code", "name", "target"]], units[["code", "name", "target"]]])
    assert sorted(cards["code"]) == sorted(kpis["code"])  # a card per KPI, no more
    by_code = {r["code"]: r for r in kpis.to_dict("records")}
    texts = []
    for card in cards.to_dict("records"):
        code = card["code"]
        assert card["name"] == by_code[code]["name"]  # the card names its KPI
        assert float(card["target"]) == float(by_code[code]["target"])
        for field in (*CARD_FIELDS, "name", "target_setter", "baseline_year", "target_year"):
            value = card[field]
            assert value not in (None, ""), (code, field)
            text = str(value)
            assert code not in text or field == "objective", (code, field, text)
            assert not re.search(rf"{CARD_FIELDS.get(field, '@')}\s*ของ", text), text
        assert (int(card["baseline_year"]), int(card["target_year"])) == (
            FISCAL_YEAR - 1,
            FISCAL_YEAR,
        )
        assert card["q1"] is not None and card["q2"] is not None and card["q3"] is None
        texts.append(card["definition"])
    assert len(set(texts[: len(org)])) == len(org)  # each organisation KPI its own words
    found = check_cascade(org, units, cards, pd.DataFrame(columns=["person_id", "unit"]))
    assert not [f for f in found if f.rule.startswith("cascade.card")], found


def test_the_demo_unit_targets_are_level_3_and_their_parents_targets(demo: Path) -> None:
    tables = strategy(demo)
    org = {r["code"]: r for r in tables[M.ORG_KPIS].to_dict("records")}
    units = tables[M.UNIT_KPIS].to_dict("records")
    assert len(units) == 9
    for u in units:
        assert u["target"] == u["l3"], u["code"]
        assert u["target"] == org[u["parent_code"]]["target"], u["code"]  # direct transfer
        levels = [u[f"l{i}"] for i in range(1, 6)]
        assert levels == sorted(levels) and len(set(levels)) == 5
    assert {o["goal"] for o in org.values()} and not any(
        str(o["goal"]).startswith("เป้าประสงค์ที่") for o in org.values()
    )


def test_a_card_that_disagrees_with_its_kpi_is_a_warning(demo: Path) -> None:
    tables = strategy(demo)
    org, units, cards = tables[M.ORG_KPIS], tables[M.UNIT_KPIS], tables[M.KPI_CARDS].copy()
    cards.loc[cards["code"] == "O1", "name"] = "ชื่ออื่น"
    cards.loc[cards["code"] == "U01-K2", "target"] = 99
    found = check_cascade(org, units, cards, pd.DataFrame(columns=["person_id", "unit"]))
    rules = {(f.rule, f.value) for f in found if f.rule.startswith("cascade.card")}
    assert rules == {("cascade.card_name", "O1"), ("cascade.card_target", "U01-K2")}
    assert all(f.severity == "warning" for f in found if f.rule.startswith("cascade.card"))
    named = next(f for f in found if f.rule == "cascade.card_name")
    assert "ชื่ออื่น" in named.message_th and "ชื่ออื่น" in named.message_en


# ------------------------------------------------------------------ older masters


def old_master(demo: Path, tmp_path: Path) -> Path:
    """The demo round, its master's KPICards sheet cut back to the twelve columns of the
    template before the KPI Template's fields were added."""
    target = tmp_path / "old"
    shutil.copytree(demo.parent, target, ignore=shutil.ignore_patterns(BACKUP_DIR))
    master = target / "master.xlsx"
    wb = openpyxl.load_workbook(master)
    ws = wb[M.KPI_CARDS]
    first_new = M.CARD_COLUMNS.index("name") + 1
    ws.delete_cols(first_new, len(M.CARD_COLUMNS) - first_new + 1)
    wb.save(master)
    return master


def test_a_master_without_the_new_card_columns_still_cascades_and_consolidates(
    demo: Path, tmp_path: Path
) -> None:
    master = old_master(demo, tmp_path)
    ws = openpyxl.load_workbook(master)[M.KPI_CARDS]
    assert ws.max_column == 12
    cards = strategy(master)[M.KPI_CARDS]
    assert set(CARD_EXTRA_FIELDS) <= set(cards.columns)
    assert cards["name"].isna().all() and cards["q1"].isna().all()  # read as blank
    assert cards["definition"].notna().all()  # the old columns where they were
    report = cascade_report(master)
    assert report.exit_code == 0, report.findings
    assert not [f for f in report.findings if f.rule.startswith("cascade.card")]
    assert consolidate(master).exit_code == 0
    # its cards take the names from the KPI tables and the fiscal years from the round
    found = kpi_cards(read_master(master), individual=False)[0]
    org = strategy(master)[M.ORG_KPIS]
    names = dict(zip(org["code"], org["name"], strict=True))
    assert len(found) == 4 + 9
    for card in found[:4]:
        assert card.name == names[card.code]
        fields = card.fields()
        assert fields[f"ข้อมูลพื้นฐาน\n(ปีงบประมาณ {FISCAL_YEAR - 1})"]
        assert f"ค่าเป้าหมาย\n(ปีงบประมาณ {FISCAL_YEAR})" in fields
        assert fields["ผู้กำหนดค่าเป้าหมาย"] == ""  # not in the old sheet: left to fill in
        assert [q for _, _, q in card.quarters] == ["", "", "", ""]


def test_a_kpi_without_a_card_row_still_gets_its_card() -> None:
    org = pd.DataFrame([{"code": "O1", "name": "ร้อยละความพึงพอใจ", "target": 85}])
    units = pd.DataFrame(columns=M.UNIT_KPI_COLUMNS)
    (card,) = strategy_cards(org, units, pd.DataFrame(columns=M.CARD_COLUMNS), fiscal_year=2570)
    assert (card.code, card.name) == ("O1", "ร้อยละความพึงพอใจ")
    assert card.fields()["ค่าเป้าหมาย\n(ปีงบประมาณ 2570)"] == "85"
    assert card.fields()["ความหมายของตัวชี้วัด"] == ""


@pytest.mark.parametrize(
    ("value", "measure", "shown"),
    [("80", "ร้อยละ", "ร้อยละ 80"), ("3", "ระดับ", "ระดับ 3"), ("5", "วัน", "5 วัน"), ("", "วัน", "")],
)
def test_a_number_reads_with_its_unit_of_measure(value: str, measure: str, shown: str) -> None:
    assert with_measure(value, measure) == shown


# ------------------------------------------------------------------ the cards workbook


def card_rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[tuple[str, str]]]:
    """Each printed card of a sheet as its (column A, column B) rows, page break to break."""
    cards, current = [], []
    breaks = {b.id for b in ws.row_breaks.brk}
    for r in range(1, ws.max_row + 1):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        current.append(("" if a is None else str(a), "" if b is None else str(b)))
        if r in breaks:
            cards.append(current)
            current = []
    assert not [row for row in current if any(row)], "rows after the last card"
    return cards


def test_the_cards_workbook_has_one_card_per_kpi_with_the_templates_fields(
    demo: Path, tmp_path: Path
) -> None:
    out, done = cards_of(demo, tmp_path)
    people = individual_kpis(demo.parent / "units", [])
    assert len(people) > 40
    assert done["cards"] == {"org": 4, "unit": 9, "person": len(people)}
    assert demo.with_name("master.xlsx").exists()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == list(SHEETS.values())
    tables = strategy(demo)
    expected = {
        SHEETS["org"]: list(tables[M.ORG_KPIS]["code"]),
        SHEETS["unit"]: list(tables[M.UNIT_KPIS]["code"]),
        SHEETS["person"]: list(people["kpi_code"]),
    }
    names = {
        r["code"]: r["name"]
        for r in [*tables[M.ORG_KPIS].to_dict("records"), *tables[M.UNIT_KPIS].to_dict("records")]
    }
    for level, sheet in SHEETS.items():
        ws = wb[sheet]
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.page_setup.orientation == "portrait"
        assert ws.print_area and ws.print_area.endswith(f"$F${ws.max_row}")
        assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
        scale = int(ws.page_setup.scale or 100)
        sizes = {c.font.sz for row in ws.iter_rows() for c in row if c.value is not None}
        assert min(sizes) >= 14 and min(sizes) * scale / 100 >= 12, (sheet, sizes, scale)
        printed = card_rows(ws)
        assert len(printed) == len(expected[sheet])  # a page break after every card
        for card, code in zip(printed, expected[sheet], strict=True):
            rows = dict(card)
            assert card[0][0] == card_title(level)
            assert rows["ตัวชี้วัด"].startswith(f"{code} ")
            labels = [a for a, _ in card]
            assert "ผู้กำหนดค่าเป้าหมาย" in labels and "ผู้รับผิดชอบตัวชี้วัด" in labels
            assert any(a.startswith("ผลการดำเนินงาน\nปีงบประมาณ 2570") for a in labels)
            if level == "person":
                assert rows["ตัวชี้วัดต้นทาง"]  # its parent KPI (or "-")
                assert any(a.startswith("ระดับค่าเป้าหมาย") for a in labels)  # its levels
                continue
            assert rows["ตัวชี้วัด"] == f"{code} {names[code]}"
            for label in ("ความหมายของตัวชี้วัด", "วัตถุประสงค์ของตัวชี้วัด", "สูตรในการคำนวณ"):
                assert rows[label] and "…" not in rows[label], (code, label)
            assert f"ข้อมูลพื้นฐาน\n(ปีงบประมาณ {FISCAL_YEAR - 1})" in labels
            assert rows["วิธีการจัดเก็บข้อมูล"]


def test_an_individual_card_shows_its_levels_parent_and_weight(demo: Path, tmp_path: Path) -> None:
    out, _ = cards_of(demo, tmp_path)
    ws = openpyxl.load_workbook(out)[SHEETS["person"]]
    people = individual_kpis(demo.parent / "units", [])
    people = people.to_dict("records")
    units = {r["code"]: r["name"] for r in strategy(demo)[M.UNIT_KPIS].to_dict("records")}
    inputs = read_master(demo)
    heads = {u["unit_code"]: u["head"] for u in inputs.units.to_dict("records")}
    evaluators = {r["person_id"]: r["evaluator"] for r in inputs.roster.to_dict("records")}
    named = 0
    for printed, kpi in zip(card_rows(ws), people, strict=True):
        rows = dict(printed)
        assert rows["ผู้รับการประเมิน"] == f"{kpi['person_name']} ({kpi['person_id']})"
        parent = kpi["parent_code"]
        assert rows["ตัวชี้วัดต้นทาง"] == (f"{parent} {units[parent]}" if parent else "-")
        # who set the target, as the person's form names the evaluator: the unit head's
        # name with the roster's title (a head is evaluated by the title above them)
        head, title = heads[kpi["unit"]], evaluators[kpi["person_id"]]
        if head != kpi["person_name"]:
            assert rows["ผู้กำหนดค่าเป้าหมาย"] == f"{head} ({title})"
            named += 1
    assert named > len(people) // 2
    # every card's five levels: the quantitative ones print their numbers
    level_rows = [
        [ws.cell(r, c).value for c in range(2, 7)]
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value in ("ค่าเป้าหมาย", "ขั้นความสำเร็จ")
    ]
    assert len(level_rows) == len(people)
    for values, kpi in zip(level_rows, people, strict=True):
        if KINDS.code(kpi["kind"]) == "milestone":
            assert values == [f"ขั้นตอนที่ {i}" for i in range(1, 6)]
        else:
            assert [float(v) for v in values] == [float(kpi[f"l{i}"]) for i in range(1, 6)]
    weights = [  # the weight shares its row with the kind of work: label in D, value in F
        ws.cell(r, 6).value
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "ลักษณะงาน" and ws.cell(r, 4).value == "น้ำหนัก (ร้อยละ)"
    ]
    assert [float(w) for w in weights] == [float(k["weight"]) for k in people]
    meanings = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert sum(1 for m in meanings if m and LEVEL_MEANINGS[3] in str(m)) == len(people)


def test_text_from_the_master_stays_text_on_the_cards(demo: Path, tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy2(demo, master)
    wb = openpyxl.load_workbook(master)
    ws = wb[M.KPI_CARDS]
    cell = ws.cell(row=M.FIRST_ROW, column=M.CARD_COLUMNS.index("definition") + 1)
    cell.value, cell.data_type = '=HYPERLINK("http://example.org","x")_x0007_', "s"
    wb.save(master)
    out, _ = cards_of(master, tmp_path, "--no-individual")
    cards = openpyxl.load_workbook(out)
    cells = [c for ws in cards.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    shown = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert shown and all(v.startswith("=HYPERLINK") for v in shown)


def test_a_card_too_long_for_a_page_still_prints_from_a_new_page() -> None:
    org = pd.DataFrame([{"code": f"O{i}", "name": f"ตัวชี้วัดที่ {i}", "target": 80} for i in (1, 2)])
    cards = pd.DataFrame(
        [{"code": "O1", "definition": "คำนิยามที่ยาวมาก " * 400, "formula": "ก" * 3000}]
    )
    found = strategy_cards(org, pd.DataFrame(columns=M.UNIT_KPI_COLUMNS), cards)
    ws = cards_workbook(found)[SHEETS["org"]]
    assert len(card_rows(ws)) == 2  # still one card after the other, each from a new page
    heights = [ws.row_dimensions[r].height or 0 for r in range(1, ws.max_row + 1)]
    assert max(heights) <= 409  # Excel's tallest row
    assert int(ws.page_setup.scale) == 86  # shrunk no further than 12 pt


def test_a_master_that_cannot_be_read_is_a_finding(tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    master.write_bytes(b"not a workbook")
    done = CliRunner().invoke(cli, ["cascade", "cards", str(master), "--json"])
    assert done.exit_code == 1
    result = json.loads(done.output)
    assert result["out"] is None and result["findings"]
    assert not (tmp_path / "master-kpi-cards.xlsx").exists()


def test_the_cards_never_overwrite_the_master(demo: Path, tmp_path: Path) -> None:
    master = tmp_path / "master.xlsx"
    shutil.copy2(demo, master)
    before = master.read_bytes()
    done = CliRunner().invoke(cli, ["cascade", "cards", str(master), "--out", str(master)])
    assert done.exit_code == 1
    assert "cards.out_is_master" in done.output or "สมุดงานหลัก" in done.output
    assert master.read_bytes() == before


def test_without_unit_workbooks_the_strategy_cards_are_written(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "alone"
    target.mkdir()
    master = target / "master.xlsx"
    shutil.copy2(demo, master)
    done = CliRunner().invoke(cli, ["cascade", "cards", str(master), "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["cards"] == {"org": 4, "unit": 9, "person": 0}
    # said, not silent: no individual cards because the folder holds no unit workbook
    assert [f["rule"] for f in result["findings"]] == ["cards.no_units"]
    assert str(target / "units") in result["findings"][0]["message_th"]
    assert Path(result["out"]) == target / "master-kpi-cards.xlsx"
    assert openpyxl.load_workbook(result["out"]).sheetnames == [SHEETS["org"], SHEETS["unit"]]
    assert U.KPIS  # the unit workbooks are where individual KPIs come from


# ------------------------------------------------------------------ on paper


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def squash(text: str) -> str:
    """Text without spaces, line breaks and Thai marks above and below (pdftotext gives
    a mark after the consonant that follows it at times: ชี้ว as ชีว้)."""
    return re.sub(r"[\s\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]+", "", text)


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_cards_print_one_a4_page_per_card(demo: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "cards.pdf"
    out, done = cards_of(demo, tmp_path, "--pdf", str(pdf))
    assert done["pdf"] == str(pdf)
    counts = done["cards"]
    assert isinstance(counts, dict)
    total = sum(counts.values())
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert len(sizes) == total  # one page per card: none spills over
    assert all((round(float(w)), round(float(h))) == (595, 842) for w, h in sizes)  # A4 portrait
    pages = pdf_pages(pdf)
    assert len(pages) == total
    wb = openpyxl.load_workbook(out)
    codes = [
        str(ws.cell(r, 2).value).split(" ")[0]
        for ws in wb.worksheets
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "ตัวชี้วัด"
    ]
    tables = strategy(demo)
    titles = (
        [card_title("org")] * counts["org"]
        + [card_title("unit")] * counts["unit"]
        + [card_title("person")] * counts["person"]
    )
    for page, code, title in zip(pages, codes, titles, strict=True):
        flat = squash(page)
        assert squash(title) in flat  # the title, whole, on every card's page
        assert code in flat
        assert "###" not in page
        for label in ("ผู้กำหนดค่าเป้าหมาย", "ผู้รับผิดชอบตัวชี้วัด", "ผลการดำเนินงาน", "ไตรมาส1"):
            assert squash(label) in flat, (code, label)
    for card in tables[M.KPI_CARDS].to_dict("records")[:5]:  # the card's text, printed whole
        page = next(p for p, c in zip(pages, codes, strict=True) if c == card["code"])
        for field in ("definition", "collection_process"):
            assert squash(str(card[field])) in squash(page), (card["code"], field)
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # embedded


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_every_word_on_the_cards_prints_at_12_pt_or_more(demo: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "cards.pdf"
    cards_of(demo, tmp_path, "--pdf", str(pdf), "--no-individual")
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    heights = [
        (float(y1) - float(y0), word)
        for y0, y1, word in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', boxes
        )
    ]
    assert len(heights) > 300
    small = [(round(h / 1.30, 1), w) for h, w in heights if h / 1.30 < 11.9]
    assert not small, small[:10]


def test_without_libreoffice_the_cards_are_written_and_the_pdf_is_a_finding(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kpixl.io import libreoffice

    monkeypatch.setattr(libreoffice, "soffice", lambda: None)
    out, pdf = tmp_path / "cards.xlsx", tmp_path / "cards.pdf"
    done = CliRunner().invoke(
        cli, ["cascade", "cards", str(demo), "--out", str(out), "--pdf", str(pdf), "--json"]
    )
    assert done.exit_code == 1, done.output
    rules = [f["rule"] for f in json.loads(done.output)["findings"]]
    assert rules == ["cards.pdf_failed"] and out.exists() and not pdf.exists()
    assert "ไม่พบโปรแกรม LibreOffice" in json.loads(done.output)["findings"][0]["message_th"]
