"""How much room Thai text takes: chart labels in two short lines, lines in a wrapped cell.

LibreOffice cuts or drops a chart's category label too wide for its axis, and prints
a wrapped cell at the height the file gives it. :func:`chart_label` makes a unit's
name into at most two lines, broken where a Thai line may break; :func:`line_count`
estimates the lines a text takes in a column of a given width (measured on 14 pt
TH SarabunPSK/Laksaman in LibreOffice's PDFs), so that the row can be made tall enough.
"""

from __future__ import annotations

import math

__all__ = ["LABEL_WIDTH", "can_break", "cells", "chart_label", "line_count"]

# how much of a column's width a character of 14 pt text takes, in units of the digit of
# the workbook's default font (14 pt TH SarabunPSK; measured in LibreOffice's PDFs with
# Laksaman): a Thai cell about 0.97 units, a Latin letter or digit about 1.15
THAI_WIDTH, LATIN_WIDTH = 0.97, 1.15
WRAP_SLACK = 1.4  # a wrapped line ends at a word, short of the column's edge
LABEL_WIDTH = 18  # a chart label's line, in Thai cells (base characters)

_MARKS = {0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)}  # Thai combining marks
_FOLLOWING = "ะาำๅ"  # vowels written after their consonant: never start a line
_LEADING = "เแโใไ"  # vowels written before their consonant: never end a line
# words Thai units' names are made of: a label breaks before one of them when it can
_WORDS = (
    "และ",
    "กลุ่ม",
    "กอง",
    "ฝ่าย",
    "ศูนย์",
    "สำนัก",
    "ส่วน",
    "งาน",
    "ประจำ",
    "การ",
    "ระบบ",
    "พัฒนา",
    "บริหาร",
    "ทรัพยากร",
    "บุคคล",
    "นโยบาย",
    "แผน",
    "เทคโนโลยี",
    "สารสนเทศ",
    "สื่อสาร",
    "ตรวจสอบ",
    "ภายใน",
    "กฎหมาย",
    "ทั่วไป",
    "บัญชี",
    "ส่งเสริม",
    "ยุทธศาสตร์",
    "ประสาน",
    "ต่างประเทศ",
    "ประชาสัมพันธ์",
    "คุ้มครอง",
    "วิชาการ",
    "เลขานุการ",
    "อำนวยการ",
)


def cells(text: str) -> int:
    """How many cells ``text`` takes: its characters less the Thai marks above and below."""
    return sum(1 for c in text if ord(c) not in _MARKS)


def can_break(text: str, i: int) -> bool:
    """Whether a line may break before ``text[i]`` without splitting a Thai syllable's
    marks or vowels from their consonant."""
    return (
        0 < i < len(text)
        and ord(text[i]) not in _MARKS
        and text[i] not in _FOLLOWING
        and text[i - 1] not in _LEADING
    )


def chart_label(name: str, width: int = LABEL_WIDTH) -> str:
    """A unit's name as a chart label of at most two lines of ``width`` cells:
    LibreOffice drops or cuts a category label too wide for its axis. The lines are
    made as even as can be, broken at a space, else before a word units' names are
    made of (และ, กลุ่ม, งาน, สารสนเทศ, …), else between two characters a Thai line
    may break between; a name longer than two lines ends in "…"."""
    name = " ".join(name.split())
    if cells(name) <= width:
        return name
    name = name[: width * 8]  # beyond two lines of even Thai with all its marks: cut ("…")
    cuts = [i for i in range(1, len(name)) if can_break(name, i)]
    whole = [i for i in cuts if cells(name[:i]) <= width and cells(name[i:]) <= width]
    for kind in (
        [i for i in whole if name[i] == " " or name[i - 1] == " "],
        [i for i in whole if name.startswith(_WORDS, i)],
        whole,
    ):
        if kind:  # the most even of the two lines
            cut = min(kind, key=lambda i: abs(cells(name[:i]) - cells(name[i:])))
            return f"{name[:cut].strip()}\n{name[cut:].strip()}"
    fits = [i for i in cuts if cells(name[:i]) <= width]
    words = [i for i in fits if name[i] == " " or name.startswith(_WORDS, i)]
    cut = max(words or fits or [len(name)])
    first, rest = name[:cut].strip(), name[cut:].strip()
    keep = [i for i in range(1, len(rest)) if cells(rest[:i]) <= width - 1 and can_break(rest, i)]
    return f"{first}\n{rest[: max(keep or [width - 1])]}…"


def line_count(text: str, width: float) -> int:
    """How many lines ``text`` takes in a wrapped column ``width`` units wide."""
    used = sum(
        THAI_WIDTH if 0x0E00 <= ord(c) <= 0x0E7F else LATIN_WIDTH
        for c in text
        if ord(c) not in _MARKS
    )
    if used <= width:
        return 1
    return math.ceil(used * WRAP_SLACK / width)
