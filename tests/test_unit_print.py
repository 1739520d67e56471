"""The unit workbook on paper (issue 15, item 1).

Rendered by LibreOffice, the sheet บุคลากร showed ``###`` in the base and new-salary
columns, clipped headers and a cut label ("วงเงินของหน่วย (บ"), all on one A4 page at a
scale that printed 14 pt text at about 6 pt. Now: A4 landscape at 86 % (14 pt prints at
12 pt), each row's columns on two pages side by side with the name repeated, the header
row on every page, money in whole baht where it is whole. These tests render demo unit
workbooks to PDF and read the paper back with poppler (pdfinfo, pdftotext -bbox).
TH SarabunPSK is mapped to Laksaman, its metric twin, as on a machine without it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from kpixl.io.libreoffice import convert, soffice
from kpixl.jobs.demo import build_demo
from kpixl.workbooks import unit_layout as U
from kpixl.workbooks.unit import UnitData, read_unit, write_unit

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

FONTS = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>TH SarabunPSK</family><accept><family>Laksaman</family></accept></alias>
</fontconfig>
"""
PRINTED = [f for f, (letter, _) in U.PEOPLE_COLUMNS.items() if letter <= "T"]
LABELS = ("วงเงินของหน่วย (บาท)", "ใช้ไปแล้ว", "คงเหลือ", "หน่วยงาน", "รอบการประเมิน")


@dataclass(frozen=True)
class Run:
    """Words on one line of a PDF page that touch (a word as the eye reads it)."""

    page: int
    text: str
    x0: float
    x1: float
    y0: float
    y1: float


def _pdf_runs(pdf: Path) -> list[Run]:
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    runs: list[Run] = []
    for page, body in enumerate(re.split(r"<page ", xml)[1:], start=1):
        words = [
            (float(a), float(b), float(c), float(d), t)
            for a, b, c, d, t in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">'
                r"([^<]*)</word>",
                body,
            )
        ]
        words.sort(key=lambda w: w[1])
        lines: list[list[tuple[float, float, float, float, str]]] = []
        for word in words:  # a line: words whose tops lie within 1.5 pt
            if lines and abs(word[1] - lines[-1][0][1]) < 1.5:
                lines[-1].append(word)
            else:
                lines.append([word])
        for line in lines:
            first = len(runs)
            for x0, y0, x1, y1, text in sorted(line):
                last = runs[-1] if len(runs) > first else None
                # pdftotext cuts Thai words apart where a mark sits above (ปิ|ยะนุช, สิทธิ|์)
                if last and -0.5 <= x0 - last.x1 < 3:
                    runs[-1] = Run(page, last.text + _unescape(text), last.x0, x1, last.y0, y1)
                else:
                    runs.append(Run(page, _unescape(text), x0, x1, y0, y1))
    return runs


def _unescape(text: str) -> str:
    """A word's text, XML entities decoded, without the marks written above or below a
    Thai letter: pdftotext gives some of them as words of their own, out of order
    (ตัวชี|ว|้|ัด), and a mark is never cut without its letter."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return _bare(text.replace("&amp;", "&"))


def _bare(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def found_whole(runs: list[Run], text: str) -> list[int]:
    """The pages where ``text`` is printed whole: as runs that follow each other on a
    line (a space between) or wrap onto the next lines of the same cell (below, over
    the same stretch of the page)."""
    target = _bare(text.replace(" ", ""))
    pages = set()
    for start in runs:
        if not start.text or not target.startswith(start.text):
            continue
        chain, done = [start], start.text
        while done != target:
            last = chain[-1]
            nxt = next(
                (
                    r
                    for r in runs
                    if r.page == last.page
                    and target.startswith(done + r.text)
                    and r.text
                    and (
                        (abs(r.y0 - last.y0) < 1 and 0 <= r.x0 - last.x1 < 8)
                        or (0 < r.y0 - last.y0 < 30 and r.x0 < last.x1 and r.x1 > last.x0)
                    )
                ),
                None,
            )
            if nxt is None:
                break
            chain.append(nxt)
            done += nxt.text
        if done == target:
            pages.add(start.page)
    return sorted(pages)


def _render(xlsx: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    conf = out / "fonts.conf"
    out.mkdir(parents=True, exist_ok=True)
    conf.write_text(FONTS, encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    [pdf] = convert([xlsx], out, to="pdf")
    return pdf


def _pdfinfo(pdf: Path) -> dict[str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in info.stdout.splitlines())
    )


def _pages(pdf: Path) -> list[str]:
    """Each page's text."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def _sheet_pages(pages: list[str], sheet: str) -> list[int]:
    """The pages (1-based) of ``sheet``: its name is in their footer."""
    return [i for i, page in enumerate(pages, start=1) if f"{sheet} — หน้า" in page]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_demo(tmp_path_factory.mktemp("unitprint-demo")).units


def test_the_people_sheet_prints_whole_on_a4_landscape(
    demo: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = demo[0]
    pdf = _render(unit, tmp_path / "pdf", monkeypatch)
    info = _pdfinfo(pdf)
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert (round(width), round(height)) == (842, 595), info["Page size"]  # A4, landscape
    pages = _pages(pdf)
    assert _sheet_pages(pages, U.PEOPLE) == [1, 2]  # each row on two pages side by side
    runs = [r for r in _pdf_runs(pdf) if r.page <= 2]
    text = "".join(pages[:2])
    assert "###" not in text
    # every printed column's header, whole; the name's on both pages
    for f in PRINTED:
        header = U.PEOPLE_COLUMNS[f][1]
        assert found_whole(runs, header), header
    assert found_whole(runs, U.PEOPLE_COLUMNS["name"][1]) == [1, 2]
    for label in LABELS:  # the header block's labels, whole (A:B on both pages)
        assert found_whole(runs, label), label
    assert found_whole(runs, "วงเงินของหน่วย (บาท)") == [1, 2]
    # every person's name and position, whole; money with thousands separators
    form = read_unit(unit)
    for person in form.people.to_dict("records"):
        assert found_whole(runs, person["name"]) == [1, 2], person["name"]
        assert found_whole(runs, person["position"]), person["position"]
        assert f"{int(person['salary']):,}" in text
    assert re.search(r"\b\d{1,3},\d{3}\b", text)
    # 14 pt text printed at 86 %: a word of body text stands at least 12 pt tall
    # (Laksaman's words are 1.3 × the font size tall, pdftotext's boxes)
    heights = [r.y1 - r.y0 for r in runs]
    assert statistics.median(heights) >= 12 * 1.3 - 0.2, statistics.median(heights)


def test_every_unit_sheet_prints_without_a_cut(
    demo: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All sheets of every demo unit: A4 landscape pages, no ###, every KPI name whole."""
    for unit in demo:
        pdf = _render(unit, tmp_path / unit.stem, monkeypatch)
        info = _pdfinfo(pdf)
        assert "841.89 x 595.3" in info["Page size"], info["Page size"]
        assert "###" not in "".join(_pages(pdf))
        runs = _pdf_runs(pdf)
        form = read_unit(unit)
        for name in set(form.kpis["kpi_name"]) | set(form.competencies["competency"]):
            assert found_whole(runs, name), (unit.name, name)
        for header in U.HEADERS.values():  # the KPI, competency and findings tables
            assert found_whole(runs, header), (unit.name, header)


def test_a_long_unit_repeats_its_header_row_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [
        {
            "person_id": f"{1100000000000 + i}",
            "name": f"นางสาวทดสอบ ลำดับที่{i}",
            "position": "นักวิเคราะห์นโยบายและแผน",
            "level_code": "K2",
            "salary": Decimal(25000 + 10 * i),
            "pool_group": "วิชาการและทั่วไป",
            "pct": Decimal("2.5"),
        }
        for i in range(60)
    ]
    unit = write_unit(
        tmp_path / "long.xlsx",
        UnitData("2570/1", "U1", "หน่วยทดสอบ", people, pool_share=Decimal(100000)),
        backup=False,
    )
    pdf = _render(unit, tmp_path / "pdf", monkeypatch)
    people_pages = _sheet_pages(_pages(pdf), U.PEOPLE)
    pages = len(people_pages)
    assert people_pages == list(range(1, pages + 1)) and pages >= 4 and pages % 2 == 0
    runs = [r for r in _pdf_runs(pdf) if r.page <= pages]
    for f in ("name", "salary", "new_salary"):
        header = U.PEOPLE_COLUMNS[f][1]
        shown = found_whole(runs, header)
        expected = range(1, pages + 1, 2) if f == "salary" else range(2, pages + 1, 2)
        if f == "name":
            expected = range(1, pages + 1)
        assert set(expected) <= set(shown), (header, shown)
    assert "###" not in "".join(_pages(pdf))
    assert all(found_whole(runs, str(p["name"])) for p in people)
