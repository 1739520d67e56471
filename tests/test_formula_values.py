"""The formula evaluator behind cached values: Excel's semantics, function by function.

Each expected value is what Excel gives (and LibreOffice: tests/test_cached_values.py
compares every formula of the demo and of 31 filled personal forms with its
recalculation). Cells: A1 = 1, A2 = 2, A3 = 3, B1 = "" (a formula's empty text),
B2 = "x", B3 = TRUE, C1 = "5" (text), C2 = #N/A, A9 and the rest empty.
"""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from python_calamine import CalamineWorkbook

from kpixl.io.cell_text import CellError, Formula
from kpixl.io.formula_cells import Calculator
from kpixl.io.formula_functions import FUNCTIONS, SPECIAL, number_text
from kpixl.io.formula_values import (
    Array,
    Compiled,
    FormulaNotSupported,
    compile_formula,
    result_value,
)
from kpixl.io.xlsx_package import Package

NA, VALUE, REF, DIV0, NUM = (CellError(e) for e in ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!"))


class Grid:
    """A sheet "S" of plain values, and defined names (what a formula reads)."""

    def __init__(self, values: dict[str, object], names: dict[str, str] | None = None) -> None:
        self.values = {}
        for ref, value in values.items():
            letters = ref.rstrip("0123456789")
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            self.values[("S", int(ref[len(letters) :]), col)] = value
        self.names = {k.upper(): compile_formula(v, "S") for k, v in (names or {}).items()}

    def value(self, sheet: str, row: int, col: int) -> object:
        return self.values.get((sheet, row, col))

    def name(self, name: str) -> Compiled:
        return self.names[name]


CELLS = Grid(
    {
        "A1": 1.0,
        "A2": 2.0,
        "A3": 3.0,
        "B1": "",
        "B2": "x",
        "B3": True,
        "C1": "5",
        "C2": NA,
        "D1": "ดีเด่น",
        "D2": "ดีมาก",
        "D3": "ดี",
        "E1": 0.0,
        "E2": 60.0,
        "E3": 70.0,
        "E4": 80.0,
        "E5": 90.0,
        "F1": 10.0,
        "G1": 20.0,
        "H1": 30.0,
    },
    names={"levels": "S!$F$1:$H$1", "mins": "S!$E$1:$E$5", "one": "S!$A$1"},
)


def value(formula: str, cells: Grid = CELLS) -> object:
    return result_value(compile_formula(formula, "S").run(cells))


def same(got: object, want: object) -> bool:
    if isinstance(want, float) and not isinstance(got, bool):
        return isinstance(got, float) and got == pytest.approx(want, abs=1e-12)
    return type(got) is type(want) and got == want


CASES = [
    # arithmetic, precedence (negation before ^, ^ left to right), %, errors
    ("=1+2*3", 7.0),
    ("=(1+2)*3", 9.0),
    ("=-2^2", 4.0),
    ("=2^3^2", 64.0),
    ("=50%", 0.5),
    ("=10/4", 2.5),
    ("=1/0", DIV0),
    ("=0^0", NUM),
    ("=--TRUE", 1.0),
    ("=TRUE+1", 2.0),
    # an empty cell: 0 in arithmetic, "" in text, equal to both
    ("=A9", 0.0),
    ("=A9+1", 1.0),
    ('=A9&"x"', "x"),
    ('=A9=""', True),
    ("=A9=0", True),
    ("=A9=FALSE", True),
    # "" (a formula's empty text) is text: not 0, not a number
    ('=B1=""', True),
    ("=B1=0", False),
    ("=B1+1", VALUE),
    ("=ISTEXT(B1)", True),
    ("=ISTEXT(A9)", False),
    # text that reads as a number: a number in arithmetic, never in a comparison
    ('="3"+1', 4.0),
    ("=C1*2", 10.0),
    ('="3"=3', False),
    ('=" 1,000 "*1', 1000.0),
    ('="5%"*1', 0.05),
    ('="abc"*1', VALUE),
    ('="๒"*1', VALUE),  # Thai digits are text to Excel
    # comparisons: case-insensitive text; numbers < text < bools
    ('="a"="A"', True),
    ('="ก"<>"ข"', True),
    ('=1<"a"', True),
    ('="z"<TRUE', True),
    ("=2>=2", True),
    # text of numbers: Excel's General format
    ('=1.5&""', "1.5"),
    ('=3&""', "3"),
    ('=(0.1+0.2)&""', "0.3"),
    ('=1/3&""', "0.333333333333333"),
    ('=TRUE&""', "TRUE"),
    ('=-0.00001&""', "-0.00001"),
    # errors propagate, the leftmost first; IFERROR catches; ISTEXT/ISNUMBER never fail
    ("=#N/A+1", NA),
    ("=C2", NA),
    ('=C2&"x"', NA),
    ("=(1/0)+C2", DIV0),
    ("=C2=1", NA),
    ('=IFERROR(1/0,"x")', "x"),
    ('=IFERROR(5,"x")', 5.0),
    ("=ISTEXT(C2)", False),
    ("=ISNUMBER(C2)", False),
    ("=ISNUMBER(A1)", True),
    ("=ISNUMBER(C1)", False),
    # IF: only the branch taken; its test a bool (text that is not TRUE/FALSE: #VALUE!)
    ('=IF(1,"y","n")', "y"),
    ('=IF(0,"y","n")', "n"),
    ('=IF(A9,"y","n")', "n"),
    ('=IF("x",1,2)', VALUE),
    ('=IF("true",1,2)', 1.0),
    ("=IF(TRUE,1)", 1.0),
    ("=IF(FALSE,1)", False),
    ("=IF(TRUE,1,1/0)", 1.0),
    ("=IF(C2,1,2)", NA),
    # INDEX: a lone index on one row is the column; (1, c) on a row; out of range #REF!
    ("=INDEX(F1:H1,2)", 20.0),
    ("=INDEX(F1:H1,1,3)", 30.0),
    ("=INDEX(levels,1,2)", 20.0),
    ("=INDEX(A1:A3,3)", 3.0),
    ("=INDEX(A1:B3,2,2)", "x"),
    ("=INDEX(A1:A3,4)", REF),
    ("=INDEX(F1:H1,1,4)", REF),
    ("=INDEX(A1:A3,-1)", VALUE),
    ('=INDEX(A7:A9,2)=""', True),
    ("=INDEX(A7:A9,2)", 0.0),
    ("=INDEX(A1:A3,2.9)", 2.0),
    ("=SUM(INDEX(A1:B3,0,1))", 6.0),
    ("=INDEX(A1:A3,C2)", NA),
    # MATCH: exact (case-insensitive, wildcards, same kind), approximate up and down
    ('=MATCH("X",B1:B3,0)', 2.0),
    ('=MATCH("ดี*",D1:D3,0)', 1.0),
    ('=MATCH("ด?",D1:D3,0)', 3.0),
    ("=MATCH(5,C1:C2,0)", NA),
    ("=MATCH(2,A1:A3,0)", 2.0),
    ("=MATCH(2.5,A1:A3,1)", 2.0),
    ("=MATCH(2.5,A1:A3)", 2.0),
    ("=MATCH(0,A1:A3,1)", NA),
    ("=MATCH(99,A1:A3,1)", 3.0),
    ("=MATCH(A9,A1:A3,0)", NA),
    ("=MATCH(C2,A1:A3,0)", NA),
    ("=MATCH(1,A1:B3,0)", NA),
    # LOOKUP: the largest key not above the value (bands from their minimum totals)
    ("=LOOKUP(75,mins,E1:E5)", 70.0),
    ("=LOOKUP(90,mins)", 90.0),
    ("=LOOKUP(-1,mins)", NA),
    ("=LOOKUP(60,E1:E5,D1:D3)", "ดีมาก"),
    ("=LOOKUP(95,E1:E5,D1:D3)", NA),
    # OR, AND, NOT: ranges' text and empty cells skipped; direct text an error
    ("=OR(FALSE,0)", False),
    ("=OR(A9,1)", True),
    ("=OR(B1:B2)", VALUE),
    ("=OR(B1:B3)", True),
    ('=OR("x")', VALUE),
    ('=AND(1,"TRUE")', True),
    ("=AND(A1:A3)", True),
    ("=AND(C2,TRUE)", NA),
    ("=NOT(0)", True),
    ("=NOT(A1)", False),
    # SUM, MIN, MAX: ranges' numbers only; direct text and bools coerced
    ("=SUM(A1:B3)", 6.0),
    ('=SUM("3",TRUE,A1)', 5.0),
    ("=SUM(C1)", 0.0),
    ("=SUM(A9)", 0.0),
    ("=SUM(A1:C2)", NA),
    ('=SUM("x")', VALUE),
    ("=MIN(A1:B3)", 1.0),
    ("=MAX(A1:B3,-1)", 3.0),
    ("=MIN(A7:A9)", 0.0),
    ("=MAX(B1:B2)", 0.0),
    # SUMPRODUCT: element by element; what is not a number counts 0; shapes must agree
    ("=SUMPRODUCT(A1:A3,A1:A3)", 14.0),
    ("=SUMPRODUCT(A1:A3*2)", 12.0),
    ("=SUMPRODUCT(A1:A3>1)", 0.0),
    ("=SUMPRODUCT(--(A1:A3>1))", 2.0),
    ('=SUMPRODUCT(ISTEXT(B1:B3)*(B1:B3<>""))', 1.0),
    ("=SUMPRODUCT(A1:A3,F1:H1)", VALUE),
    ("=SUMPRODUCT(B1:B3,A1:A3)", 0.0),
    ("=SUMPRODUCT(A1:A2,C1:C2)", NA),
    ("=SUMPRODUCT(--((A2-F1:H1/10)*IF(FALSE,-1,1)>=0))", 2.0),
    # COUNTIF: a value, an operator, wildcards, "" and "<>"
    ("=COUNTIF(A1:A3,2)", 1.0),
    ('=COUNTIF(A1:A3,">=2")', 2.0),
    ('=COUNTIF(A1:A3,"<>2")', 2.0),
    ('=COUNTIF(D1:D3,"ดี*")', 3.0),
    ('=COUNTIF(B1:B3,"X")', 1.0),
    ('=COUNTIF(A1:B9,"")', 13.0),
    ('=COUNTIF(A1:B9,"<>")', 5.0),
    ("=COUNTIF(C1:C2,5)", 1.0),
    ("=COUNTIF(A1:B3,TRUE)", 1.0),
    # ROUND half away from zero on 15 digits; ROUNDDOWN toward zero
    ("=ROUND(2.675,2)", 2.68),
    ("=ROUND(0.285,2)", 0.29),
    ("=ROUND(-2.5,0)", -3.0),
    ("=ROUND(2.5,0)", 3.0),
    ("=ROUND(1234,-2)", 1200.0),
    ("=ROUND(3.46000000001,10)", 3.46),
    ("=ROUNDDOWN(2.999,2)", 2.99),
    ("=ROUNDDOWN(-2.999,2)", -2.99),
    ("=ROUNDDOWN(3*(1.1-1)/0.3,2)", 1.0),
    ('=ROUND("x",1)', VALUE),
    ("=ROUND(C2,1)", NA),
    # LEFT, RIGHT, LEN, VALUE, N
    ('=LEFT("2570/1",4)', "2570"),
    ('=RIGHT("2570/1",1)', "1"),
    ('=RIGHT("2570/1",0)', ""),
    ('=LEFT("ab")', "a"),
    ("=LEFT(12345,2)", "12"),
    ('=LEFT("a",-1)', VALUE),
    ('=LEN("ไทย")', 3.0),
    ("=LEN(A9)", 0.0),
    ('=VALUE("2570")-543', 2027.0),
    ('=VALUE(" 12.5 ")', 12.5),
    ('=VALUE("x")', VALUE),
    ("=VALUE(TRUE)", VALUE),
    ("=VALUE(A9)", 0.0),
    ('=N("x")', 0.0),
    ("=N(TRUE)", 1.0),
    ("=N(A9)", 0.0),
    ("=N(A2)", 2.0),
    ("=N(C2)", NA),
    # names and references on other sheets of the same grid
    ("=one+1", 2.0),
    ("='S'!$A$2*one", 2.0),
    # spaces around operators and arguments
    ('=IF( A1 = 1 , "y" , "n" )', "y"),
    ("=SUM( A1:A3 )", 6.0),
]


@pytest.mark.parametrize(("formula", "want"), CASES, ids=[c[0] for c in CASES])
def test_excel_semantics(formula: str, want: object) -> None:
    if want is FormulaNotSupported:
        with pytest.raises(FormulaNotSupported):
            value(formula)
        return
    got = value(formula)
    assert same(got, want), (formula, got, want)


def test_every_function_of_the_vocabulary_is_exercised() -> None:
    used = {name for formula, _ in CASES for name in re.findall(r"([A-Z]+)\(", formula)}
    assert set(FUNCTIONS) | set(SPECIAL) == used  # every function it computes, and no other


@pytest.mark.parametrize(
    "formula",
    [
        "=VLOOKUP(1,A1:B3,2,FALSE)",  # a function outside the vocabulary
        "=SUM(A:A)",  # a whole column
        "=SUM(1:1)",
        "=A1 B1",  # the intersection operator
        "={1,2}",  # an array constant
        "=IF(1)",  # too few arguments
        "=LEFT(1,2,3)",  # too many
        "=SUM(A1",  # not a formula
    ],
)
def test_what_it_does_not_compute_is_an_internal_error(formula: str) -> None:
    with pytest.raises(FormulaNotSupported):
        value(formula)


def test_an_array_result_is_not_a_cell_value() -> None:
    assert compile_formula("=A1:A3", "S").run(CELLS) == Array([[1.0], [2.0], [3.0]])
    with pytest.raises(FormulaNotSupported, match="array"):
        value("=A1:A3")
    assert value("=A1:A1") == 1.0


def test_numbers_in_text_as_excel_writes_them() -> None:
    assert [number_text(x) for x in (0.0, -0.0, 2570.0, 1e15, 1.5e-10, 123456789.123)] == [
        "0",
        "0",
        "2570",
        "1E+15",
        "1.5E-10",
        "123456789.123",
    ]


# ------------------------------------------------------------------ a package's formulas


def _book() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ข้อตกลง"
    ws["A1"], ws["A2"], ws["A3"] = 10, 20, "ข้อความ"
    ws["B1"] = "=A1*2"  # a chain: B1 → B2 → other sheet
    ws["B2"] = '=IF(B1>30,"มาก","น้อย")'
    ws["B3"] = "=1/0"
    ws["B4"] = "=A1>5"
    ws["B5"] = '=IF(A9="","",A9)'
    other = wb.create_sheet("สรุป")
    other["A1"] = "='ข้อตกลง'!B2&\" \"&total"
    other["A2"] = "=SUM('ข้อตกลง'!A1:A3)"
    other["A3"] = 7  # constant, never touched
    wb.defined_names["total"] = DefinedName("total", attr_text="'ข้อตกลง'!$B$1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _xml(data: bytes, sheet: str) -> str:
    part = Package.read(data).sheets[sheet]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(part).decode("utf-8")


def _read(data: bytes, sheet: str) -> list[list[object]]:
    rows: list[list[object]] = (
        CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )
    return rows


def test_a_patched_package_carries_every_formulas_value_with_its_type() -> None:
    package = Package.read(_book())
    data = package.patched({}, calculate=True)
    xml = _xml(data, "ข้อตกลง")
    assert '<c r="B1"><f>A1*2</f><v>20</v></c>' in xml
    assert re.search(r'<c r="B2"[^>]* t="str"><f>[^<]*</f><v>น้อย</v></c>', xml)
    assert re.search(r'<c r="B3"[^>]* t="e"><f>1/0</f><v>#DIV/0!</v></c>', xml)
    assert re.search(r'<c r="B4"[^>]* t="b"><f>A1&gt;5</f><v>1</v></c>', xml)
    assert re.search(r'<c r="B5"[^>]* t="str"><f>[^<]*</f><v></v></c>', xml)
    assert re.findall(r"<c [^>]*><f>[^<]*</f></c>", xml) == []  # no formula without a value
    read = [row[1] for row in _read(data, "ข้อตกลง")]
    assert read[:2] + read[3:] == [20.0, "น้อย", True, ""]  # (calamine reads an error as "")
    assert _read(data, "สรุป") == [["น้อย 20"], [30.0], [7.0]]
    assert package.patched({}, calculate=True) == data  # the same bytes again


def test_edits_reach_every_formula_that_reads_them() -> None:
    package = Package.read(_book())
    package.patched({}, calculate=True)
    data = package.patched({"ข้อตกลง": {"A1": 40, "A2": None}}, calculate=True)
    assert [row[1] for row in _read(data, "ข้อตกลง")][:2] == [80.0, "มาก"]
    assert _read(data, "สรุป") == [["มาก 80"], [40.0], [7.0]]
    # a formula written by the edits carries its value; a constant over a formula is kept
    data = package.patched(
        {"ข้อตกลง": {"A3": Formula("=A1+A2"), "B1": 5}, "สรุป": {"A3": Formula("=total*2")}},
        calculate=True,
    )
    assert [row[0] for row in _read(data, "ข้อตกลง")][:3] == [10.0, 20.0, 30.0]
    assert [row[1] for row in _read(data, "ข้อตกลง")][:2] == [5.0, "น้อย"]
    assert _read(data, "สรุป") == [["น้อย 5"], [60.0], [10.0]]
    # and the package itself is as it was: the next person starts from the template
    again = package.patched({"ข้อตกลง": {"A1": 1}}, calculate=True)
    assert _read(again, "สรุป") == [["น้อย 2"], [21.0], [7.0]]


def test_shared_formulas_are_read_as_excel_saves_them() -> None:
    data = _book()
    part = Package.read(data).sheets["ข้อตกลง"]
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    xml = parts[part].decode("utf-8")
    xml = re.sub(
        r'<c r="A3"[^>]*>.*?</c>', '<c r="A3"><f t="shared" ref="A3:A3" si="0">A1+A2</f></c>', xml
    )
    xml = re.sub(r'<c r="B4"[^>]*>.*?</c>', '<c r="B4"><f t="shared" si="0"/></c>', xml)
    parts[part] = xml.encode("utf-8")
    calc = Calculator(parts, Package.read(data).sheets)
    values = calc.values()
    assert values[("ข้อตกลง", 3, 1)] == 30.0
    assert values[("ข้อตกลง", 4, 2)] == VALUE  # A1+A2 moved to B4: B2+B3, "น้อย"+#DIV/0!
    assert calc.sheets.formulas[("ข้อตกลง", 4, 2)] == "=B2+B3"


def test_an_unknown_function_or_name_or_a_cycle_is_an_internal_error() -> None:
    for cells in ({"B1": Formula("=VLOOKUP(1,A1:A2,1)")}, {"B1": Formula("=nowhere+1")}):
        with pytest.raises(FormulaNotSupported, match="ข้อตกลง!B1"):
            Package.read(_book()).patched({"ข้อตกลง": cells}, calculate=True)
    with pytest.raises(FormulaNotSupported, match="circular"):
        Package.read(_book()).patched({"ข้อตกลง": {"A1": Formula("=B1")}}, calculate=True)
