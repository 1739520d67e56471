"""The UDFs called directly with what Excel hands over: 2-D lists, None for blanks,
floats for integers, error strings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kpixl.core.kpi_library import load_library
from kpixl.core.salary import salary_increase
from kpixl.core.scoring import kpi_score, rating_band
from kpixl.excel.udfs import KPIXL_BAND, KPIXL_INCREASE, KPIXL_LIBRARY, KPIXL_SCORE, KPIXL_VALIDATE


def test_score_takes_excel_shaped_levels_and_equals_the_core() -> None:
    row = [[60.0, 70.0, 80.0, 90.0, 100.0]]  # a row range
    column = [[60.0], [70.0], [80.0], [90.0], [100.0]]  # a column range
    for actual in (55.0, 60.0, 75.0, 99.99, 120.0):
        expected = kpi_score(Decimal(str(actual)), [60, 70, 80, 90, 100])
        assert Decimal(str(KPIXL_SCORE(actual, row))) == expected
        assert KPIXL_SCORE(actual, column) == KPIXL_SCORE(actual, row)
    assert KPIXL_SCORE(50.0, [90.0, 75.0, 60.0, 45.0, 30.0], "ยิ่งน้อยยิ่งดี") == float(
        kpi_score(50, [90, 75, 60, 45, 30], direction="lower")
    )
    assert KPIXL_SCORE(75.0, row, None, "level") == 2
    assert KPIXL_SCORE(4.0, None, None, None, "milestone") == 4
    assert KPIXL_SCORE("๗๕", row) == KPIXL_SCORE(75.0, row)  # Thai digits typed as text


def test_score_turns_bad_cells_into_messages() -> None:
    levels = [[60.0, 70.0, 80.0, 90.0, 100.0]]
    for actual, words in (("#N/A", "#N/A"), (None, "blank"), ("abc", "not a number")):
        message = KPIXL_SCORE(actual, levels)
        assert isinstance(message, str) and message.startswith("⚠") and words in message
    assert "level 3 is blank" in str(KPIXL_SCORE(75.0, [[60.0, 70.0, None, 90.0, 100.0]]))
    assert "rising" in str(KPIXL_SCORE(75.0, [[60.0, 50.0, 80.0, 90.0, 100.0]]))
    assert "milestone" in str(KPIXL_SCORE(7.0, None, None, None, "milestone"))


def test_band_and_increase_equal_the_core() -> None:
    for total in (59.99, 60.0, 75.5, 90.0, 100.0):
        assert KPIXL_BAND(total) == rating_band(Decimal(str(total)))
    assert "not a number" in KPIXL_BAND("x")
    inc = salary_increase(28000, "K2", Decimal("3.3"))
    assert KPIXL_INCREASE(28000.0, "K2", 3.3) == int(inc.increase)
    assert KPIXL_INCREASE(28000.0, "K2", 3.3, "new_salary") == int(inc.new_salary)
    assert KPIXL_INCREASE(28000.0, "ชำนาญการ", 3.3) == int(inc.increase)  # a Thai title
    assert str(KPIXL_INCREASE(28000.0, "ต้น", 3.3)).startswith("⚠")
    assert KPIXL_INCREASE(28000.0, "K2", 3.3, "base") == int(inc.base)
    assert "ZZ" in str(KPIXL_INCREASE(28000.0, "ZZ", 3.0))
    assert "#DIV/0!" in str(KPIXL_INCREASE("#DIV/0!", "K2", 3.0))
    assert "6" in str(KPIXL_INCREASE(28000.0, "K2", 9.0))  # beyond the 6 % maximum


def test_validate_spills_findings_as_rows() -> None:
    header = ["รหัส", "ตัวชี้วัด", "ประเภท", "ทิศทาง", "ระดับ 1", "ระดับ 2", "ระดับ 3"]
    header += ["ระดับ 4", "ระดับ 5", "น้ำหนัก (%)", "person_id"]
    good = ["A1", "งาน", "เชิงปริมาณ", "ยิ่งมากยิ่งดี", 1.0, 2.0, 3.0, 4.0, 5.0, 100.0, "1"]
    assert KPIXL_VALIDATE([header, good]) == [["✓ ไม่พบปัญหา / no findings"]]
    bad = ["A2", "งาน", "เชิงปริมาณ", "ยิ่งมากยิ่งดี", 5.0, 4.0, 3.0, 2.0, 1.0, "abc", "1"]
    rows = KPIXL_VALIDATE([header, good, bad, [None] * len(header)])
    assert rows[0][0].startswith("ระดับ")
    found = {(r[1], r[2]) for r in rows[1:]}
    assert (3, "weight") in found and (3, "l1") in found
    assert all(isinstance(r[3], str) and isinstance(r[4], str) for r in rows[1:])
    assert "header" in KPIXL_VALIDATE([["x", "y"], [1.0, 2.0]])[0][0]


def test_library_spills_rows_of_a_job_line() -> None:
    library = load_library()
    rows = KPIXL_LIBRARY("นักทรัพยากรบุคคล")
    assert rows[0][0] == "รหัส" and len({len(r) for r in rows}) == 1
    assert [r[0] for r in rows[1:]] == list(library[library["job_line"] == "นักทรัพยากรบุคคล"]["id"])
    assert len(KPIXL_LIBRARY()) == len(library) + 1
    assert KPIXL_LIBRARY("ไม่มีสายงานนี้")[0][0].startswith("⚠")


def test_every_public_function_is_an_xlwings_udf() -> None:
    """On Windows ``xw.func`` registers them (on Linux it is a no-op): check the source."""
    import ast

    import kpixl.excel.udfs as module

    tree = ast.parse(Path(module.__file__).read_text("utf-8"))
    decorated = {
        node.name: [ast.unparse(d) for d in node.decorator_list]
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    assert sorted(module.__all__) == sorted(n for n in decorated if n.startswith("KPIXL_"))
    for name in module.__all__:
        assert "xw.func" in decorated[name], name
    assert "xw.arg('table', ndim=2)" in decorated["KPIXL_VALIDATE"]
