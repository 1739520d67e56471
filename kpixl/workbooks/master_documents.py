"""The round's official documents, as the master's document sheets print them.

(a) ประกาศรายชื่อผู้มีผลการประเมินดีเด่นและดีมาก, its list grouped by unit; (b) ประกาศ
ร้อยละการเลื่อนเงินเดือนในแต่ละระดับผลการประเมิน, the % the round used per band (per pool
group where the groups differ); (c) คำสั่งเลื่อนเงินเดือน with its attachment list. Each
carries the organisation, its number and date, and the signer's name and position from
the master's Config; a value left blank prints as a dotted line to fill in by hand.
Dates are written the official way: ``1 เมษายน 2570`` (Buddhist era).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from kpixl.core.errors import InputError
from kpixl.core.rounds import Round, parse_round
from kpixl.core.rules import Rules
from kpixl.core.thaitime import read_date, thai_date
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import Document, line_height, text_lines

__all__ = ["DocumentFields", "announcement", "document_fields", "pct_announcement", "salary_order"]

DOTS = M.DOTS
_INDENT = "\u00a0" * 10  # a paragraph's first line, indented as official letters are


@dataclass(frozen=True)
class DocumentFields:
    """What the documents print from Config, ready to print (dots where blank)."""

    organisation: str
    round_text: str  # รอบที่ 1 (1 ตุลาคม 2569 – 31 มีนาคม 2570) ปีงบประมาณ พ.ศ. 2570
    announcement_no: str
    announcement_date: str
    pct_announcement_no: str
    pct_announcement_date: str
    order_no: str
    order_date: str
    effective_date: str
    signer_name: str
    signer_position: str


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> str:
    """A Config date as ``1 เมษายน 2570`` (see :func:`read_date` for what is accepted);
    blank, or a date that cannot be read, prints as dots to fill in by hand (consolidation
    reports the unreadable one: :func:`kpixl.jobs.round.document_dates`)."""
    try:
        day = read_date(value)
    except ValueError:
        return DOTS
    return DOTS if day is None else thai_date(day)


def _round(value: Any) -> Round | None:
    try:
        return parse_round(_text(value))
    except InputError:
        return None


def document_fields(config: Mapping[str, Any]) -> DocumentFields:
    """The documents' fields from the master's Config values (by key)."""

    def text(key: str) -> str:
        return _text(config.get(key)) or DOTS

    round_ = _round(config.get("round_id"))
    if round_ is not None:
        year = round_.fiscal_year - 543
        end = date(year, 3, 31) if round_.number == 1 else date(year, 9, 30)
        round_text = (
            f"รอบที่ {round_.number} ({thai_date(round_.start)} – {thai_date(end)})"
            f" ประจำปีงบประมาณ พ.ศ. {round_.fiscal_year}"
        )
        effective_default = thai_date(date(year, 4, 1) if round_.number == 1 else date(year, 10, 1))
    else:
        round_text = f"รอบ {_text(config.get('round_id')) or DOTS}"
        effective_default = DOTS
    effective = config.get("effective_date")
    return DocumentFields(
        organisation=text("organisation"),
        round_text=round_text,
        announcement_no=text("announcement_no"),
        announcement_date=_date(config.get("announcement_date")),
        pct_announcement_no=text("pct_announcement_no"),
        pct_announcement_date=_date(config.get("pct_announcement_date")),
        order_no=text("order_no"),
        order_date=_date(config.get("order_date")),
        effective_date=_date(effective) if _text(effective) else effective_default,
        signer_name=text("signer_name"),
        signer_position=text("signer_position"),
    )


# ------------------------------------------------------------------------ helpers


def _para(doc: Document, kind: str, text: str, width: int, size: int = M.DOC_TEXT_SIZE) -> None:
    """A paragraph over all ``width`` columns of the sheet ``widths``, tall enough."""
    widths = doc.widths
    span = sum(widths[:width])
    lines = text_lines(text, span, size + (2 if kind == "heading" else 0))  # bold: wider
    doc.add(kind, [text], height=line_height(size, lines), merge=(0, width - 1))


def _sign(doc: Document, text: str, first: int, last: int) -> None:
    doc.add(
        "sign", [None] * first + [text], height=line_height(M.DOC_TEXT_SIZE), merge=(first, last)
    )


def _signature(doc: Document, f: DocumentFields, dated: str, first: int, last: int) -> None:
    """The date line, room to sign, the signer's name in brackets and position."""
    _sign(doc, dated, first, last)
    doc.add("note", [], height=36)
    name = f.signer_name if f.signer_name != DOTS else DOTS + DOTS
    _sign(doc, f"({name})", first, last)
    position = f.signer_position if f.signer_position != DOTS else f"ตำแหน่ง {DOTS}"
    _sign(doc, position, first, last)


def _heading(
    doc: Document, title: str, number: str, subject: str, f: DocumentFields, width: int
) -> None:
    doc.add("title", [title], height=line_height(20) + 6, merge=(0, width - 1))
    doc.add("heading", [f"ที่ {number}"], height=line_height(M.DOC_TEXT_SIZE), merge=(0, width - 1))
    _para(doc, "heading", f"เรื่อง {subject}", width)
    _para(doc, "center", f.round_text, width)
    doc.add("center", ["―――――――――――――"], height=line_height(12), merge=(0, width - 1))


def _table_head(doc: Document, headers: Sequence[str], widths: Sequence[int]) -> int:
    lines = max(
        text_lines(h, w, M.DOC_TABLE_SIZE + 1) for h, w in zip(headers, widths, strict=False)
    )
    doc.title_row = doc.add("head", list(headers), height=line_height(M.DOC_TABLE_SIZE, lines))
    return doc.title_row


def _table(doc: Document, columns: Sequence[Sequence[object]], widths: Sequence[int]) -> None:
    """A table's rows (given column by column), each as tall as its longest wrapped text;
    the lines of a text are counted once per column (positions and units repeat)."""
    count = len(columns[0]) if columns else 0
    lines = [1] * count
    for values, width in zip(columns, widths, strict=False):
        texts = [v for v in set(values) if type(v) is str and v]
        taller: dict[object, int] = {
            v: n for v in texts if (n := text_lines(v, width, M.DOC_TABLE_SIZE)) > 1
        }
        if taller:  # most columns: every text on one line
            lines = [max(n, taller.get(v, 1)) for n, v in zip(lines, values, strict=True)]
    height = {n: line_height(M.DOC_TABLE_SIZE, n) for n in set(lines)}
    doc.add_rows("row", [list(c) for c in columns], [height[n] for n in lines])


def _new(sheet: str) -> Document:
    doc = Document()
    doc.widths = M.DOC_WIDTHS[sheet]
    return doc


def _level(rules: Rules, code: Any) -> tuple[str, str]:
    """(position type, level) of a level code, e.g. ("วิชาการ", "ชำนาญการ")."""
    level = rules.salary_table.levels.get(_text(code))
    return (level.type, level.level) if level is not None else ("", _text(code))


def _unit_names(summary: pd.DataFrame) -> dict[str, str]:
    if not len(summary):
        return {}
    return {
        _text(code): _text(name) or _text(code)
        for code, name in zip(summary["unit"].tolist(), summary["unit_name"].tolist(), strict=True)
    }


def _by_unit(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(_unit=frame["unit"].map(_text)).sort_values("_unit", kind="stable")


def _number(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


# ---------------------------------------------------------------------- documents


def announcement(
    results: pd.DataFrame, summary: pd.DataFrame, rules: Rules, f: DocumentFields
) -> Document:
    """(a) ประกาศรายชื่อผู้มีผลการประเมินดีเด่นและดีมาก, the list grouped by unit."""
    widths = M.DOC_WIDTHS[M.ANNOUNCEMENT]
    width = len(widths)
    top_bands = [b.name for b in rules.bands[:2]]
    top = _by_unit(results[results["band"].isin(top_bands)])
    subject = "รายชื่อผู้มีผลการประเมินผลการปฏิบัติราชการระดับ" + "และ".join(top_bands)
    doc = _new(M.ANNOUNCEMENT)
    _heading(doc, f"ประกาศ{f.organisation}", f.announcement_no, subject, f, width)
    _para(
        doc,
        "text",
        f"{_INDENT}ตามหลักเกณฑ์และวิธีการประเมินผลการปฏิบัติราชการ ให้ประกาศรายชื่อผู้มีผลการประเมิน"
        f"ระดับ{'และ'.join(top_bands)}ให้ทราบโดยทั่วกัน {f.organisation} จึงประกาศรายชื่อข้าราชการ"
        f"ผู้มีผลการประเมินผลการปฏิบัติราชการระดับ{'และ'.join(top_bands)} {f.round_text}"
        f" จำนวน {len(top)} คน ตามบัญชีรายชื่อแนบท้ายประกาศนี้",
        width,
    )
    _para(doc, "text", f"{_INDENT}จึงประกาศให้ทราบโดยทั่วกัน", width)
    doc.add("note", [], height=line_height(M.DOC_TEXT_SIZE))
    _signature(doc, f, f"ประกาศ ณ วันที่ {f.announcement_date}", 2, width - 1)
    doc.breaks.append(len(doc))
    _para(
        doc,
        "heading",
        f"บัญชีรายชื่อผู้มีผลการประเมินระดับ{'และ'.join(top_bands)} แนบท้ายประกาศ{f.organisation}"
        f" ที่ {f.announcement_no} ลงวันที่ {f.announcement_date}",
        width,
    )
    _para(doc, "center", f.round_text, width, M.DOC_TABLE_SIZE)
    _table_head(doc, M.ANNOUNCEMENT_HEADERS, widths)
    names = _unit_names(summary)
    # the columns once for everyone (sorted by unit), then each unit's slice of them
    units = top["_unit"].tolist()
    levels = {code: _level(rules, code)[1] for code in set(top["level_code"].tolist())}
    columns: list[list[object]] = [
        list(range(1, len(top) + 1)),
        [_text(v) for v in top["name"].tolist()],
        [_text(v) for v in top["position"].tolist()],
        [levels[code] for code in top["level_code"].tolist()],
        [_text(v) for v in top["band"].tolist()],
    ]
    seq = 0
    while seq < len(units):
        unit = units[seq]
        end = seq + 1
        while end < len(units) and units[end] == unit:
            end += 1
        label = names.get(str(unit), str(unit))
        code = f" ({unit})" if label != unit else ""
        doc.add(
            "group",
            [f"{label}{code}  {end - seq} คน"],
            height=line_height(M.DOC_TABLE_SIZE),
            merge=(0, width - 1),
        )
        _table(doc, [column[seq:end] for column in columns], widths)
        seq = end
    if not seq:
        doc.add(
            "note", [f"ไม่มีผู้มีผลการประเมินระดับ{'หรือ'.join(top_bands)}ในรอบนี้"], merge=(0, width - 1)
        )
    return doc


def _range_text(rules: Rules, i: int) -> str:
    """The band's total score range: ``90 – 100``, ``80 – ต่ำกว่า 90``, ``ต่ำกว่า 60``."""
    low = rules.bands[i].min_total
    high = rules.bands[i - 1].min_total if i > 0 else None

    def num(v: Decimal) -> str:
        return format(v.normalize(), "f")

    if low is None:
        return f"ต่ำกว่า {num(high)}" if high is not None else "ทุกคะแนน"
    if high is None:
        return f"{num(low)} – 100"
    return f"{num(low)} – ต่ำกว่า {num(high)}"


def _pct_text(values: list[Any]) -> str:
    pcts = sorted({Decimal(str(v)) for v in values if _number(v) is not None})
    if not pcts:
        return "–"
    low, high = pcts[0], pcts[-1]
    return f"{low:.2f}" if low == high else f"{low:.2f} – {high:.2f}"


def pct_announcement(results: pd.DataFrame, rules: Rules, f: DocumentFields) -> Document:
    """(b) ประกาศร้อยละการเลื่อนเงินเดือนในแต่ละระดับผลการประเมิน: the % the round used."""
    eligible = results[results["eligible"].map(lambda v: v is True or v == "ใช่" or v == 1)]
    groups = [g for g in dict.fromkeys(map(_text, results["pool_group"].tolist())) if g]
    columns: dict[str, list[str]] = {}
    for group in groups or [""]:
        rows = eligible[eligible["pool_group"].map(_text) == group] if group else eligible
        columns[group] = [
            _pct_text(rows[rows["band"] == band.name]["pct"].tolist())
            if band.eligible
            else "ไม่ได้เลื่อน"
            for band in rules.bands
        ]
    same = len({tuple(v) for v in columns.values()}) <= 1
    shown = {"": next(iter(columns.values()))} if same else columns
    palette = len(M.DOC_FORMATS[M.PCT_ANNOUNCEMENT])
    shown = dict(list(shown.items())[: palette - 2])
    headers = [*M.PCT_HEADERS[:2], *(f"ร้อยละ กลุ่ม{g}" if g else M.PCT_HEADERS[2] for g in shown)]
    width = len(headers)
    widths = M.DOC_WIDTHS[M.PCT_ANNOUNCEMENT]
    doc = _new(M.PCT_ANNOUNCEMENT)
    _heading(
        doc,
        f"ประกาศ{f.organisation}",
        f.pct_announcement_no,
        "ร้อยละการเลื่อนเงินเดือนในแต่ละระดับผลการประเมิน",
        f,
        len(widths),
    )
    _para(
        doc,
        "text",
        f"{_INDENT}ตามที่{f.organisation} ได้ประเมินผลการปฏิบัติราชการของข้าราชการ {f.round_text}"
        " และพิจารณาเลื่อนเงินเดือนภายในวงเงินที่ได้รับแล้ว จึงประกาศร้อยละการเลื่อนเงินเดือน"
        "ในแต่ละระดับผลการประเมิน คิดเป็นร้อยละของฐานในการคำนวณ ดังนี้",
        len(widths),
    )
    doc.add("note", [], height=10)
    full = len(widths)
    one = width < full  # fewer columns than the page holds: the last one spans the rest
    head = _table_head(doc, headers, widths)
    doc.title_row = None  # a short table on one page
    if one:
        doc.merges.append((head, width - 1, full - 1))
    first = len(doc)
    bands = range(len(rules.bands))
    _table(
        doc,
        [
            [band.name for band in rules.bands],
            [_range_text(rules, i) for i in bands],
            *([v[i] for i in bands] for v in shown.values()),
        ],
        widths,
    )
    if one:
        doc.merges.extend((r, width - 1, full - 1) for r in range(first, len(doc)))
    _para(
        doc,
        "note",
        "หมายเหตุ: ร้อยละของฐานในการคำนวณ (ค่ากลางตอนล่างหรือตอนบน) ที่ใช้จริง;"
        " ช่วงร้อยละ: ผู้ในระดับเดียวกันได้ร้อยละต่างกัน; – ไม่มีผู้อยู่ในระดับนั้น",
        len(widths),
        M.DOC_TABLE_SIZE,
    )
    _para(doc, "text", f"{_INDENT}จึงประกาศให้ทราบโดยทั่วกัน", len(widths))
    doc.add("note", [], height=12)
    _signature(doc, f, f"ประกาศ ณ วันที่ {f.pct_announcement_date}", 1, len(widths) - 1)
    return doc


def _base_kind(rules: Rules, code: Any, base: Any) -> str:
    level = rules.salary_table.levels.get(_text(code))
    if level is None or _number(base) is None:
        return ""
    value = Decimal(str(base))
    if value in (level.lower_base, level.alt_lower_base):
        return "ล่าง"
    if value in (level.upper_base, level.alt_upper_base):
        return "บน"
    return ""


def salary_order(
    results: pd.DataFrame, summary: pd.DataFrame, rules: Rules, f: DocumentFields
) -> Document:
    """(c) คำสั่งเลื่อนเงินเดือน and its attachment: everyone with an increase or a
    special compensation, by unit."""
    widths = M.DOC_WIDTHS[M.SALARY_ORDER]
    width = len(widths)
    paid = _by_unit(results[(results["increase"] > 0) | (results["special_compensation"] > 0)])
    doc = _new(M.SALARY_ORDER)
    _heading(doc, f"คำสั่ง{f.organisation}", f.order_no, "เลื่อนเงินเดือนข้าราชการ", f, width)
    _para(
        doc,
        "text",
        f"{_INDENT}อาศัยอำนาจตามกฎหมายและหลักเกณฑ์ว่าด้วยการเลื่อนเงินเดือนของข้าราชการ และผลการประเมิน"
        f"ผลการปฏิบัติราชการ {f.round_text} ซึ่งคณะกรรมการกลั่นกรองผลการประเมินผลการปฏิบัติราชการ"
        f"ได้พิจารณาแล้ว จึงเลื่อนเงินเดือนข้าราชการ จำนวน {len(paid)} ราย ตามบัญชีรายละเอียดแนบท้ายคำสั่งนี้",
        width,
    )
    _para(doc, "text", f"{_INDENT}ทั้งนี้ ตั้งแต่วันที่ {f.effective_date} เป็นต้นไป", width)
    doc.add("note", [], height=line_height(M.DOC_TEXT_SIZE))
    _signature(doc, f, f"สั่ง ณ วันที่ {f.order_date}", 7, width - 1)
    doc.breaks.append(len(doc))
    _para(
        doc,
        "heading",
        f"บัญชีรายละเอียดการเลื่อนเงินเดือนข้าราชการ แนบท้ายคำสั่ง{f.organisation}"
        f" ที่ {f.order_no} ลงวันที่ {f.order_date}",
        width,
    )
    _para(
        doc,
        "center",
        f"{f.round_text}  เลื่อนเงินเดือนตั้งแต่วันที่ {f.effective_date}",
        width,
        M.DOC_TABLE_SIZE,
    )
    _table_head(doc, M.SALARY_ORDER_HEADERS, widths)
    names = _unit_names(summary)
    codes = [_text(v) for v in paid["level_code"].tolist()]
    levels = {code: _level(rules, code) for code in set(codes)}
    bases = paid["base"].tolist()
    kinds = {
        (code, base): _base_kind(rules, code, base)
        for code, base in set(zip(codes, bases, strict=True))
    }
    units = [_text(v) for v in paid["unit"].tolist()]

    def numbers(name: str) -> list[object]:
        return [_number(v) for v in paid[name].tolist()]

    _table(
        doc,
        [
            list(range(1, len(paid) + 1)),
            [_text(v) for v in paid["name"].tolist()],
            [_text(v) for v in paid["position"].tolist()],
            [levels[code][0] for code in codes],
            [levels[code][1] for code in codes],
            [_text(v) for v in paid["position_no"].tolist()],
            [names.get(unit, unit) for unit in units],
            numbers("salary"),
            numbers("base"),
            [kinds[key] for key in zip(codes, bases, strict=True)],
            numbers("pct"),
            numbers("increase"),
            numbers("new_salary"),
            numbers("special_compensation"),
        ],
        widths,
    )
    if not len(paid):
        doc.add("note", ["ไม่มีผู้ได้เลื่อนเงินเดือนในรอบนี้"], merge=(0, width - 1))
    else:
        total = sum((Decimal(str(v)) for v in paid["increase"].tolist()), Decimal(0))
        special = sum((Decimal(str(v)) for v in paid["special_compensation"].tolist()), Decimal(0))
        doc.add(
            "note",
            [
                f"รวม {len(paid)} ราย  จำนวนเงินที่ได้เลื่อนรวม {total:,.0f} บาท  ค่าตอบแทนพิเศษรวม {special:,.2f} บาท"
            ],
            height=line_height(M.DOC_TABLE_SIZE),
            merge=(0, width - 1),
        )
    return doc
