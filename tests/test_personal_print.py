"""A filled personal workbook printed by LibreOffice is a paper someone can sign (issue 15).

What was seen before: KPI names wrapped and cut in half, the labels เลขประจำตัวประชาชน and
ทดลองปฏิบัติราชการ cut, a page with the KPI table's repeated header and no row under it,
the evaluator's name running off the page, the unit shown as its code, and pages shrunk
below 12-point text. These tests render a filled form to PDF and read the paper back
with poppler (``pdfinfo``, ``pdftotext -bbox``). TH SarabunPSK prints as Laksaman, its
metric twin from fonts-thai-tlwg (CI installs it); LibreOffice and poppler are needed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from personal_cases import CORE, national_id

from kpixl.core.kpi_library import load_library
from kpixl.io.libreoffice import convert, soffice
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.personal import PersonalData, template_package, write_personal

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

A4 = (595.0, 842.0)  # points, either way round
# poppler's word box is the font's ascent + descent: 0.975 of the size in Laksaman
BOX_PER_POINT = 0.975
UNIT_NAME = "กลุ่มบริหารทรัพยากรบุคคลและพัฒนาระบบงาน"
# a milestone KPI's five levels, as long as the library's longest
STEPS = (
    "รวบรวมข้อมูลภาระงานและอัตรากำลังปัจจุบันครบทุกหน่วยงาน",
    "วิเคราะห์ภาระงานและความต้องการอัตรากำลังแล้วเสร็จ",
    "จัดทำร่างแผนอัตรากำลังและรับฟังความเห็นของหน่วยงาน",
    "ใช้พลังงานลดลงได้ตั้งแต่ร้อยละ 0 ถึงร้อยละ 5 เทียบกับปีก่อน",
    "ดำเนินการตามแผนได้ไม่น้อยกว่าร้อยละ 80 ภายในปีงบประมาณ",
)
EVALUATOR = "นางสาวประภาพรรณ ศรีสวัสดิ์วงศ์ตระกูล"
EVALUATOR_POSITION = "ผู้อำนวยการกลุ่มบริหารทรัพยากรบุคคลและพัฒนาระบบงาน"


@dataclass
class Word:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def letters(text: str) -> str:
    """Thai text as base letters only: marks and spaces dropped, so that the order in
    which a PDF reader returns stacked marks does not matter."""
    return "".join(c for c in text if unicodedata.category(c) != "Mn" and not c.isspace())


def longest_library_names(n: int) -> list[str]:
    names = sorted(load_library()["name"], key=lambda s: len(letters(s)))
    return names[-n:]


def filled(path: Path, template_dir: Path) -> Path:
    """A person with long KPI names, a long unit name and a long evaluator's position."""
    names = longest_library_names(4)
    kpis = [
        {
            "kpi_code": f"HR-{k + 1:02d}",
            "kpi_name": name,
            "kind": "quantitative",
            "direction": "higher",
            "unit": "ร้อยละ",
            **{f"l{j}": 50 + 10 * j for j in range(1, 6)},
            "weight": 25,
            "parent_code": f"U01-K{k + 1}",
            "category": "mission",
        }
        for k, name in enumerate(names)
    ]
    kpis[1].update(kind="milestone", direction=None, unit="ระดับ", milestones=STEPS)
    for j in range(1, 6):
        kpis[1][f"l{j}"] = None
    managerial = ["สภาวะผู้นำ", "การพัฒนาศักยภาพคน"]
    competencies = [
        {"group": "สมรรถนะหลัก", "competency": c, "expected": 3, "weight": 15} for c in CORE
    ] + [
        {"group": "สมรรถนะทางการบริหาร", "competency": c, "expected": 3, "weight": 12.5}
        for c in managerial
    ]
    data = PersonalData(
        round_id="2570/1",
        person={
            "name": "นางสาวทดสอบ ยาวมากนามสกุลยาว",
            "person_id": national_id("310170000001"),
            "position": "นักทรัพยากรบุคคล",
            "position_no": "1234",
            "level_title": "วิชาการ ชำนาญการพิเศษ",
            "level_code": "K3",
            "unit": UNIT_NAME,
            "unit_code": "U01",
            "evaluator": EVALUATOR,
            "evaluator_position": EVALUATOR_POSITION,
            "probation": False,
        },
        kpis=kpis,
        competencies=competencies,
        actuals=[83.5, 4, 71.25, 95],
        ratings=[3, 4, 5, 3, 4, 2, 3],
    )
    template = template_package(template_dir / "personal.xlsx")
    return write_personal(path, data, template=template)


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Word], list[str]]:
    """The rendered PDF, its words with boxes, and each page's text."""
    for tool in ("pdfinfo", "pdftotext", "fc-match"):
        assert shutil.which(tool), f"{tool} is needed (poppler-utils, fontconfig)"
    font = subprocess.run(
        ["fc-match", "-f", "%{family}", "TH SarabunPSK"], capture_output=True, text=True
    ).stdout
    assert "Laksaman" in font, f"TH SarabunPSK should print as Laksaman (fonts-thai-tlwg): {font}"
    tmp = tmp_path_factory.mktemp("print")
    src = filled(tmp / "in" / "person.xlsx", tmp / "template")
    [pdf] = convert([src], tmp / "pdf", to="pdf")
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words: list[Word] = []
    for number, page in enumerate(html.split("<page ")[1:], 1):
        found = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        )
        words += [
            Word(number, float(a), float(b), float(c), float(d), unescape(t))
            for a, b, c, d, t in found
        ]
    # the text in drawing order (-raw keeps Thai words whole; the layout mode splits
    # some at stacked marks), one string per page
    raw = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = raw.split("\f")[: len({w.page for w in words})]
    return pdf, words, pages


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "1000", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    ]


def test_every_page_is_a4_and_each_sheet_prints_on_its_pages(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    pdf, _, pages = paper
    sizes = page_sizes(pdf)
    assert len(sizes) == len(pages)
    for w, h in sizes:
        assert sorted((round(w), round(h))) == [round(A4[0]), round(A4[1])], (w, h)
    titles = {
        "ข้อตกลงผลการปฏิบัติราชการรายบุคคล": 1,
        "เอกสารแนบท้ายข้อตกลง: คำอธิบายค่าเป้าหมาย 5 ระดับ": 4,
        "แบบบันทึกผลงานและพฤติกรรมการปฏิบัติราชการระหว่างรอบการประเมิน": 5,
        "แบบประเมินผลสัมฤทธิ์ของงาน": 6,
        "การประเมินสมรรถนะ": 8,
        "แบบสรุปการประเมินผลการปฏิบัติราชการ": 9,
        "ส่วนที่ 4 การแจ้งและรับทราบผลการประเมิน": 10,
        "คลังตัวชี้วัดกลาง": 11,
    }
    for title, page in titles.items():
        assert letters(title) in letters(pages[page - 1]), (title, page)
    # the agreement on three landscape pages and its attachment on one, the progress
    # record on one (portrait), the achievement on two, then the competency sheet on
    # one and the summary on two (portrait); the library after
    portrait = [i + 1 for i, (w, h) in enumerate(sizes) if w < h]
    assert portrait == [5, 8, 9, 10]
    library_pages = len(pages) - 10
    assert 1 <= library_pages <= 6
    assert all(letters("คำอธิบายขั้นความสำเร็จ") in letters(p) for p in pages[10:])


def test_no_text_is_printed_smaller_than_12_points(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    _, words, _ = paper
    small = [
        (w.page, w.text, round((w.y1 - w.y0) / BOX_PER_POINT, 1))
        for w in words
        if (w.y1 - w.y0) / BOX_PER_POINT < 11.8
    ]
    assert small == []


def test_every_label_and_header_prints_whole_and_no_hashes(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    _, _, pages = paper
    text = letters(" ".join(pages))
    assert "###" not in text
    expected = [
        *L.IDENTITY_LABELS.values(),
        *(header for _, header in L.KPI_COLUMNS.values()),
        *(header for _, header in L.COMP_COLUMNS.values()),
        *L.LEVEL_MEANINGS.values(),
        *L.RATING_MEANINGS.values(),
        "ผลการดำเนินงานจริง",
        "ระดับที่ทำได้",
        "หลักฐาน / หมายเหตุ",
        "คะแนนที่ประเมิน",
        "คะแนนสมรรถนะ (เต็ม 100) = คะแนนรวม (ค) × 20",
        "คะแนนผลสัมฤทธิ์ของงาน (เต็ม 100) = คะแนนรวม (ค) × 20",
        "คะแนน (ก)",
        "น้ำหนัก % (ข)",
        "คะแนนรวม (ค = ก × ข)",
        *(header for _, header in L.RECORD_COLUMNS.values()),
        *STEPS,
        "ส่วนที่ 5 ความเห็นของผู้บังคับบัญชาเหนือขึ้นไป",
        "ผู้บังคับบัญชาเหนือขึ้นไปอีกชั้นหนึ่ง (ถ้ามี)",
        "☐ เห็นด้วยกับผลการประเมิน",
        "☐ มีความเห็นต่าง ดังนี้",
        "ผู้รับการประเมินไม่ลงนามรับทราบ",
        "พยาน",
        "จุดเด่น",
        "สิ่งที่ควรปรับปรุง / พัฒนา",
        "ปีงบประมาณ 2570 รอบที่ 1 (1 ต.ค. 2569 – 31 มี.ค. 2570)",
        *longest_library_names(4),
        *CORE,
        "สมรรถนะทางการบริหาร",
    ]
    missing = [label for label in expected if letters(label) not in text]
    assert missing == []


def test_identity_shows_the_unit_name_and_the_evaluator_in_full(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    pdf, words, pages = paper
    for number in (1, 4, 5, 6, 8, 9):  # the agreement … the summary
        page = letters(pages[number - 1])
        assert letters(UNIT_NAME) in page, number
    for number in (1, 3, 5, 7, 8, 9, 10):  # identity and signatures: agreement … summary
        page = letters(pages[number - 1])
        assert letters(EVALUATOR) in page, number
        assert letters(EVALUATOR_POSITION) in page, number
    # nothing runs past the right edge of its page (its text would be cut there)
    sizes = page_sizes(pdf)
    for w in words:
        assert w.x1 <= sizes[w.page - 1][0] - 10, (w.page, w.text, w.x1)


def test_no_page_is_only_a_repeated_header(paper: tuple[Path, list[Word], list[str]]) -> None:
    """A page showing a table's header shows at least one numbered row under it."""
    _, words, _ = paper
    headers = {"ลักษณะงาน": "agreement", "หลักฐาน": "achievement"}
    checked = 0
    for page in sorted({w.page for w in words}):
        on_page = [w for w in words if w.page == page]
        for marker in headers:
            tops = [w for w in on_page if letters(w.text) == letters(marker)]
            if not tops:
                continue
            checked += 1
            number = next(w for w in on_page if w.text == "ที่")
            rows = [
                w
                for w in on_page
                if w.text.isdigit() and w.x0 < number.x1 + 6 and w.y0 > tops[0].y1
            ]
            assert rows, (page, marker)
    assert checked == 4  # the agreement's KPI table on 2 pages, the achievement's on 2


def table_rows(words: list[Word], page: int) -> tuple[dict[int, float], list[Word]]:
    """The numbered rows of the table on ``page`` (number → top) and the words in them."""
    on_page = [w for w in words if w.page == page]
    number = next(w for w in on_page if w.text == "ที่")
    marks = [w for w in on_page if w.text.isdigit() and w.x0 < number.x1 + 6 and w.y0 > number.y1]
    tops = {int(w.text): w.y0 for w in marks}
    first = min(tops)
    assert sorted(tops) == list(range(first, first + len(tops))) and len(tops) >= 4, tops
    # the table's right edge: its header row's last word
    right = max(w.x1 for w in on_page if abs(w.y0 - number.y0) < 12)
    last = max(tops.values())
    inside = [
        w
        for w in on_page
        if min(tops.values()) - 2 <= w.y0 <= last + 30 and number.x1 + 6 < w.x0 < right
    ]
    return tops, inside


@pytest.mark.parametrize("page", [1, 2, 3, 5, 6, 7, 8])
def test_no_text_in_a_table_straddles_a_row_edge(
    paper: tuple[Path, list[Word], list[str]], page: int
) -> None:
    """Wrapped text taller than its row is cut at the row's edge: the competencies
    (agreement page 1, competency sheet), the KPI tables (agreement, achievement), the
    progress record."""
    _, words, _ = paper
    tops, inside = table_rows(words, page)
    edges = sorted(tops.values())
    for w in inside:
        cut = [e for e in edges if w.y0 < e - 2 < w.y1 - 2]
        assert cut == [], (page, w.text, w.y0, w.y1, cut)


def test_wrapped_kpi_names_stay_inside_their_rows(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    """Each long KPI name's letters all print between its row's number and the next
    row's."""
    _, words, _ = paper
    for page in (2, 6):  # the agreement's KPI table, the achievement's
        tops, inside = table_rows(words, page)
        for k, name in enumerate(longest_library_names(4), 1):
            row = [w for w in inside if tops[k] - 2 <= w.y0 < tops[k + 1] - 2]
            printed = Counter(letters("".join(w.text for w in row)))
            assert Counter(letters(name)) - printed == Counter(), (page, k, name)


def test_a_generated_form_names_the_unit_and_the_evaluator() -> None:
    """From the master's Units sheet: the unit's name (its code beside it), the unit
    head as the evaluator and the roster's ผู้ประเมิน as the evaluator's position."""
    from kpixl.core.rounds import parse_round
    from kpixl.core.rules import default_rules
    from kpixl.workbooks.generate import personal_data_for

    unit = {"unit_code": "U01", "unit_name": UNIT_NAME, "head": EVALUATOR}
    person = {
        "person_id": national_id("310170000002"),
        "name": "นายสมชาย ใจดี",
        "unit": "U01",
        "position": "นักทรัพยากรบุคคล",
        "level_code": "K2",
        "evaluator": EVALUATOR_POSITION,
    }
    rules, round_ = default_rules(), parse_round("2570/1")
    data = personal_data_for(person, rules=rules, round_=round_, unit=unit)
    assert data.person["unit"] == UNIT_NAME and data.person["unit_code"] == "U01"
    assert data.person["evaluator"] == EVALUATOR
    assert data.person["evaluator_position"] == EVALUATOR_POSITION
    # the head is not their own evaluator; without the Units row the code stands in
    head = personal_data_for(
        {**person, "name": EVALUATOR, "evaluator": ""}, rules=rules, round_=round_, unit=unit
    )
    assert head.person["evaluator"] is None and head.person["evaluator_position"] is None
    bare = personal_data_for(person, rules=rules, round_=round_)
    assert bare.person["unit"] == "U01" and bare.person["evaluator"] == EVALUATOR_POSITION


def test_the_attachment_prints_each_level_description_whole_in_its_column(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    """Page 4: the milestone KPI (row 2 of the agreement) with its five levels, each
    description's letters inside its own level's column and above the signatures."""
    _, words, pages = paper
    page = [w for w in words if w.page == 4]
    text = letters(pages[3])
    assert letters(longest_library_names(4)[1]) in text
    table = next(w for w in page if w.text == "รหัส")
    # the five level headers beside the table's first header, left to right
    heads = sorted(
        (w for w in page if w.text == "ระดับ" and abs(w.y0 - table.y0) < 25), key=lambda w: w.x0
    )
    assert len(heads) == 5, heads
    sign = min(w.y0 for w in page if w.text == "ลงชื่อ")
    for k, step in enumerate(STEPS):
        left = heads[k].x0 - 40
        right = heads[k + 1].x0 - 40 if k < 4 else 10_000
        inside = [w for w in page if left <= w.x0 < right and heads[k].y1 < w.y0 < sign]
        printed = Counter(letters("".join(w.text for w in inside)))
        assert Counter(letters(step)) - printed == Counter(), (k + 1, step)
    assert "ยังไม่ได้กำหนด" not in text  # the milestone has all five


def test_the_achievement_prints_the_targets_and_the_sum_as_the_official_form(
    paper: tuple[Path, list[Word], list[str]],
) -> None:
    """Each KPI's five targets beside its result, and ค × 20 = the result: the first
    KPI's targets 60 … 100 print on its row; the milestone's levels as ขั้น 1 … 5."""
    _, words, pages = paper
    tops, inside = table_rows(words, 6)
    first = [w.text for w in inside if tops[1] - 2 <= w.y0 < tops[2] - 2]
    for target in ("60", "70", "80", "90", "100"):
        assert target in first, (target, first)
    second = letters("".join(w.text for w in inside if tops[2] - 2 <= w.y0 < tops[3] - 2))
    assert all(letters(f"ขั้น {k}") in second for k in range(1, 6)), second
    assert letters("คะแนนรวม (ค) × 20") in letters(pages[6])
