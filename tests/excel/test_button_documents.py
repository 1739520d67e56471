"""The Consolidate button's document sheets look as the CLI writes them.

The button runs through xlwings' remote engine on a real demo master; the actions it
returns are applied by the fake client (``xlwings_payload.apply_all``), which copies
formats, merges, sets row heights and the print area as Excel does and fails where Excel
would refuse. The result is compared with what ``kpixl consolidate`` writes into a copy
of the same master, read with openpyxl: values, merged areas, each row's height, each
cell's formats (the hidden style row they come from) and the rows printed.
"""

from __future__ import annotations

import copy
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwings as xw
from xlwings_payload import (
    SheetState,
    again,
    apply_all,
    file_grid,
    payload,
    print_titles,
    rows_from,
)

from kpixl.excel import macros
from kpixl.excel.book import column_letter, document_plan, write_document
from kpixl.jobs.consolidate import consolidate as consolidate_file
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import Document

DEMO = Path(__file__).resolve().parents[2] / "workbooks" / "demo"
STYLE_ROWS = range(1, len(M.DOC_KINDS) + 1)


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target


def press(data: dict[str, Any], before: dict[str, SheetState] | None = None) -> Any:
    book = xw.Book(json=data)
    macros.consolidate(book)
    actions = book.json()["actions"]
    return apply_all(data, actions, before), actions


def block(grid: list[list[Any]], first: int, last: int, width: int) -> list[list[Any]]:
    """Rows ``first``…``last`` (1-based), ``width`` cells each, blanks as ""."""
    rows = [list(grid[r]) if r < len(grid) else [] for r in range(first - 1, last)]
    return [[("" if v is None else v) for v in (row + [""] * width)[:width]] for row in rows]


def cell_styles(path: Path, sheet: str) -> dict[tuple[int, int], int]:
    """(row, column) → the cell's style index (its formats) in the file's sheet XML, read
    directly: openpyxl gives the cells covered by a merged area no style of their own."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{sheet}"[^>]*r:id="(\w+)"', book)
        assert rid is not None
        target = re.search(rf'Target="/?(?:xl/)?([^"]+)" Id="{rid.group(1)}"', rels)
        assert target is not None
        xml = z.read("xl/" + target.group(1)).decode()
    styles = {}
    for ref, style in re.findall(r'<c r="([A-Z]+\d+)"(?: s="(\d+)")?', xml):
        (row, col), _ = xw.utils.a1_to_tuples(ref)
        styles[(row, col)] = int(style or 0)
    return styles


def test_the_button_writes_the_documents_as_the_cli_does(demo: Path) -> None:
    master = demo / "master.xlsx"
    data = payload(master)
    for name in data["names"]:  # a master fresh from the template: its first row repeats
        name["refers_to"] = f"='{name['scope_sheet_name']}'!${M.DOC_FIRST_ROW}:${M.DOC_FIRST_ROW}"
    sheets, actions = press(data)
    cli = demo / "cli.xlsx"
    shutil.copy(master, cli)
    consolidate_file(cli, units_dir=demo / "units", jobs=1)
    book = openpyxl.load_workbook(cli)
    titles = {n["scope_sheet_name"]: n["refers_to"][1:] for n in print_titles(cli, book.sheetnames)}
    assert titles[M.ANNOUNCEMENT] == f"'{M.ANNOUNCEMENT}'!$24:$24"  # the list's header row
    first = M.DOC_FIRST_ROW
    breaks = {}
    for name in M.DOCUMENTS:
        ws, ours, look = book[name], sheets[name], cell_styles(cli, name)
        width = len(M.DOC_FORMATS[name])
        last = ws.max_row
        assert last > first + 10
        # the values, as the CLI's
        theirs = block(file_grid(cli, name), first, last, width)
        assert block(ours.values, first, last + 40, width) == theirs + [[""] * width] * 40
        assert theirs[0][0].startswith(("ประกาศ", "คำสั่ง"))
        # every merged range of the CLI's document, and no other
        merged = {str(m) for m in ws.merged_cells.ranges if m.min_row >= first}
        assert merged and ours.merged() == merged, name
        # every row's height
        for r in range(first, last + 1):
            assert r in ours.heights, (name, r)
            assert ours.heights[r] == pytest.approx(ws.row_dimensions[r].height), (name, r)
        # every cell's formats come from the style row the CLI's cell has them from
        sources = set()
        for r in range(first, last + 1):
            for c in range(1, width + 1):
                row, col = ours.formats[(r, c)]
                assert col == c and row in STYLE_ROWS, (name, r, c)
                assert look[(r, c)] == look[(row, c)], (name, r, c, row)
                sources.add(row)
        assert len(sources) >= 5  # title, heading, text, sign, head or table rows …
        # the print area: the written rows, a block from each of the CLI's page breaks on
        starts = [first] + [b.id + 1 for b in ws.row_breaks.brk]
        ends = [b - 1 for b in starts[1:]] + [last]
        letter = column_letter(width)
        assert ours.print_area == ",".join(
            f"$A${a}:${letter}${b}" for a, b in zip(starts, ends, strict=True)
        )
        breaks[name] = len(starts) - 1
        # the table's header row repeats on every page, as the CLI sets it
        theirs_titles = titles.get(name)
        assert ours.print_titles == (theirs_titles and "=" + theirs_titles)
        assert not any(r < first for r, _ in ours.formats)  # the style rows are left alone
    # the attached lists start on a new page, after the signature
    assert breaks == {M.ANNOUNCEMENT: 1, M.PCT_ANNOUNCEMENT: 0, M.SALARY_ORDER: 1}
    # the other sheets are values, as before; the status line as it was
    assert sheets[M.CONFIG].values[int(M.STATUS_CELL[1:]) - 1][0].startswith("✓")
    copies = [a for a in actions if a["func"] == "copyFromRange"]
    assert {a["sheet_position"] for a in copies} == {
        [s["name"] for s in data["sheets"]].index(n) for n in M.DOCUMENTS
    }


def test_a_second_press_gives_the_same_documents(demo: Path) -> None:
    data = payload(demo / "master.xlsx")
    first, _ = press(data)
    second, _ = press(again(data, first), first)
    for name in M.DOCUMENTS:
        a, b = first[name], second[name]
        assert rows_from(b.values, 1) == rows_from(a.values, 1)
        assert (b.formats, sorted(b.merges), b.heights, b.print_area, b.print_titles) == (
            a.formats,
            sorted(a.merges),
            a.heights,
            a.print_area,
            a.print_titles,
        )


def test_a_shorter_document_leaves_nothing_of_the_longer_one(demo: Path) -> None:
    data = payload(demo / "master.xlsx")
    first, _ = press(data)
    longer = copy.deepcopy(first)
    sheet = longer[M.SALARY_ORDER]
    last = max(sheet.heights)  # the document's last row (1-based)
    extra = range(last, last + 40)  # 0-based rows below it: a longer list before
    width = len(sheet.values[0])
    for r in extra:
        while len(sheet.values) <= r:
            sheet.values.append([""] * width)
        sheet.values[r][:2] = ["x", "y"]
        sheet.formats[(r + 1, 1)] = (8, 1)
        sheet.heights[r + 1] = 80.0
    sheet.merges.append((extra[-1], 2, extra[-1], 6))
    second, _ = press(again(data, longer), longer)
    after = second[M.SALARY_ORDER]
    for r in extra:
        assert all(v in ("", None) for v in after.values[r])
        assert (r + 1, 1) not in after.formats and after.heights[r + 1] is None
    assert not any(m[0] >= last for m in after.merges)
    assert (after.formats, sorted(after.merges)) == (
        first[M.SALARY_ORDER].formats,
        sorted(first[M.SALARY_ORDER].merges),
    )


def big_document(people: int) -> Document:
    doc = Document()
    width = len(M.DOC_FORMATS[M.SALARY_ORDER])
    doc.add("title", ["คำสั่ง"], height=42.4, merge=(0, width - 1))
    doc.add("text", ["ข้อความ"], height=84.6, merge=(0, width - 1))
    doc.add("text", ["ทั้งนี้"], height=29.5, merge=(0, width - 1))
    doc.add("sign", [None] * 7 + ["สั่ง ณ วันที่"], height=29.5, merge=(7, width - 1))
    doc.breaks.append(len(doc))  # the list on a new page
    doc.title_row = doc.add("head", [f"หัว {c}" for c in range(width)], height=122.4)
    tall = {17, 18, 4_000, people - 1}  # rows with a long position: three lines
    heights = [74.3 if i in tall else 50.2 for i in range(people)]
    columns = [list(range(1, people + 1))] + [[f"c{c}"] * people for c in range(1, width)]
    doc.add_rows("row", columns, heights)
    doc.add("note", [f"รวม {people} ราย"], height=26.1, merge=(0, width - 1))
    return doc


def test_a_big_list_is_a_handful_of_actions(tmp_path: Path) -> None:
    people = 20_000
    doc = big_document(people)
    width = len(M.DOC_FORMATS[M.SALARY_ORDER])
    data = {
        "client": "Microsoft Excel",
        "version": xw.__version__,
        "book": {"name": str(tmp_path / "master.xlsm"), "active_sheet_index": 0, "selection": "A1"},
        "sheets": [{"name": M.SALARY_ORDER, "values": [[""]], "pictures": [], "tables": []}],
        "names": [],
    }
    book = xw.Book(json=data)
    write_document(book.sheets[0], doc, M.DOC_FIRST_ROW, width)
    actions = book.json()["actions"]
    funcs = [a["func"] for a in actions if a["func"] != "setValues"]  # values: in chunks
    assert len(funcs) == 20, funcs
    assert funcs.count("copyFromRange") == 6  # one per run of a kind
    assert funcs.count("rangeMerge") == 3  # the paragraphs above one another: one
    # the commonest height over all rows, then the 8 runs of rows that differ from it
    assert funcs.count("setRowHeight") == 9
    body = [a for a in actions if a["func"] == "copyFromRange" and a["row_count"] == people]
    assert len(body) == 1 and body[0]["args"][1] == f"$A$8:${column_letter(width)}$8"
    sheet = apply_all(data, actions)[M.SALARY_ORDER]
    first = M.DOC_FIRST_ROW
    assert [sheet.heights[first + i] for i in range(len(doc))] == doc.heights
    style = {kind: r for r, kind in enumerate(M.DOC_KINDS, start=1)}
    assert [sheet.formats[(first + i, width)][0] for i in range(len(doc))] == [
        style[k] for k in doc.kinds
    ]
    assert sheet.values[first + 4 + people - 1][0] == people  # the last person's row
    letter = column_letter(width)
    assert (
        sheet.print_area
        == f"$A${first}:${letter}${first + 3},$A${first + 4}:${letter}${first + len(doc) - 1}"
    )


def test_the_plan_follows_runs_not_rows() -> None:
    doc = Document()
    doc.add("title", ["T"], height=40.0, merge=(0, 4))
    doc.add("text", ["a"], height=30.0, merge=(0, 4))
    doc.add("text", ["b"], height=30.0, merge=(0, 4))
    doc.add("sign", [None, None, "s"], height=30.0, merge=(2, 4))
    doc.add("head", ["h"] * 5, height=50.0)
    doc.add_rows("row", [[1, 2, 3, 4], list("abcd")], [26.0, 26.0, 52.0, 26.0])
    doc.add("group", ["g"], merge=(0, 4))  # no height: Excel's own
    plan = document_plan(doc, 10, 5)
    # the commonest kind (table rows) first, then each run of another kind
    assert plan.styles == [
        (8, 15, 18),
        (1, 10, 10),
        (3, 11, 12),
        (5, 13, 13),
        (6, 14, 14),
        (7, 19, 19),
    ]
    assert plan.merges == [(10, 12, 1, 5), (13, 13, 3, 5), (19, 19, 1, 5)]
    # the commonest height over every row, then the rows that differ, run by run
    assert plan.heights == [
        (10, 19, 30.0),
        (10, 10, 40.0),
        (14, 14, 50.0),
        (15, 16, 26.0),
        (17, 17, 52.0),
        (18, 18, 26.0),
        (19, 19, None),
    ]
    assert plan.area == "$A$10:$E$19" and plan.last_row == 19
    assert plan.title_row is None
    doc.title_row = 4
    doc.breaks = [4]
    assert document_plan(doc, 10, 5).title_row == 14
    assert document_plan(doc, 10, 5).area == "$A$10:$E$13,$A$14:$E$19"  # a page from row 14


def test_a_list_grouped_by_unit_is_one_copy_per_group_row() -> None:
    doc = Document()
    doc.add("title", ["T"], height=40.0, merge=(0, 4))
    doc.title_row = doc.add("head", ["h"] * 5, height=50.0)
    for unit in range(1_000):
        doc.add("group", [f"unit {unit}"], height=26.1, merge=(0, 4))
        doc.add_rows("row", [list(range(30))], [26.1] * 30)
    plan = document_plan(doc, 10, 5)
    style = {kind: r for r, kind in enumerate(M.DOC_KINDS, start=1)}
    assert plan.styles[0] == (style["row"], 13, 10 + len(doc) - 1)  # the body at once
    assert len(plan.styles) == 1 + 2 + 1_000  # the title, the header, each group row
    assert len(plan.merges) == 1 + 1_000 and len(plan.heights) == 3
    final = {}  # the formats each row ends with, the copies applied in order
    for source, first, last in plan.styles:
        final.update(dict.fromkeys(range(first, last + 1), source))
    assert [final[10 + i] for i in range(len(doc))] == [style[k] for k in doc.kinds]
