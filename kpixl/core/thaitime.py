"""Times as Thai offices read them: Asia/Bangkok, dates in the Buddhist era.

Stored times are ISO 8601 with their offset (``2026-10-01T09:00:00+07:00``); Thai
messages show ``1 ต.ค. 2569 เวลา 09:00 น.``. Bangkok has kept UTC+07:00 without
daylight saving since 1920, so where the time-zone database is missing (Windows
without the ``tzdata`` package) a fixed +07:00 offset gives the same times.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpixl.core.text import THAI_DIGITS

__all__ = [
    "bangkok",
    "bangkok_now",
    "english_datetime",
    "parse_stamp",
    "read_date",
    "stamp",
    "thai_date",
    "thai_datetime",
]

BUDDHIST_ERA = 543
THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_MONTHS_FULL = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
FIXED_BANGKOK = timezone(timedelta(hours=7), "+07")


@lru_cache(maxsize=1)
def bangkok() -> tzinfo:
    """Asia/Bangkok from the time-zone database, else the fixed +07:00 offset."""
    try:
        return ZoneInfo("Asia/Bangkok")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return FIXED_BANGKOK


def bangkok_now() -> datetime:
    return datetime.now(bangkok())


def _in_bangkok(moment: datetime) -> datetime:
    # a time without an offset is taken as UTC (what kpixl wrote before it used Bangkok)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(bangkok())


def stamp(moment: datetime) -> str:
    """``moment`` in Bangkok as ISO 8601 with its offset, to the second."""
    return _in_bangkok(moment).isoformat(timespec="seconds")


def parse_stamp(text: object) -> datetime | None:
    """A stored time (ISO 8601, or a spreadsheet's datetime) in Bangkok; None if unreadable."""
    if isinstance(text, datetime):
        return _in_bangkok(text)
    value = str(text or "").strip()
    if not value:
        return None
    try:
        return _in_bangkok(datetime.fromisoformat(value))
    except ValueError:
        return None


def thai_datetime(moment: datetime) -> str:
    """``1 ต.ค. 2569 เวลา 09:00 น.`` (Bangkok, Buddhist era)."""
    local = _in_bangkok(moment)
    month = THAI_MONTHS[local.month - 1]
    return f"{local.day} {month} {local.year + BUDDHIST_ERA} เวลา {local:%H:%M} น."


def english_datetime(moment: datetime) -> str:
    """``2026-10-01 09:00 Bangkok time`` (UTC+07:00)."""
    return f"{_in_bangkok(moment):%Y-%m-%d %H:%M} Bangkok time"


def thai_date(day: date, *, short: bool = False) -> str:
    """``1 เมษายน 2570`` (Buddhist era), as official documents write a date;
    ``short``: ``1 เม.ย. 2570``. A datetime is taken as its date, as written."""
    months = THAI_MONTHS if short else THAI_MONTHS_FULL
    return f"{day.day} {months[day.month - 1]} {day.year + BUDDHIST_ERA}"


_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug aside)
_MONTH_NUMBER = {
    name.replace(".", ""): i + 1
    for names in (THAI_MONTHS, THAI_MONTHS_FULL)
    for i, name in enumerate(names)
}
_NUMERIC = re.compile(r"(\d{1,4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,4})")
_WORDS = re.compile(r"(?:วันที่\s*)?(\d{1,2})\s*([^\d\s]+)\s*(?:พ\.\s*ศ\.\s*)?(\d{4})")


def read_date(value: object) -> date | None:
    """A date as HR types it in a sheet, or None when blank.

    Accepted: a date cell, an Excel serial number, ``2570-04-01`` / ``2027-04-01``,
    ``1/4/2570`` (day first, as Thai offices write it), and ``1 เมษายน 2570`` or
    ``1 เม.ย. พ.ศ. 2570``; Thai digits too. A year over 2400 is Buddhist era. Anything
    else, or a day that does not exist (``32/13/2570``), raises ValueError.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        serial = float(value)
        if not (1 <= serial < 200_000) or serial != serial:
            raise ValueError(f"not a date serial: {value}")
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    text = " ".join(str(value or "").translate(THAI_DIGITS).split())
    if not text:
        return None
    if match := _NUMERIC.fullmatch(text):
        a, b, c = (int(g) for g in match.groups())
        year, month, day = (a, b, c) if len(match.group(1)) == 4 else (c, b, a)
    elif match := _WORDS.fullmatch(text):
        day, year = int(match.group(1)), int(match.group(3))
        month = _MONTH_NUMBER.get(match.group(2).replace(".", ""), 0)
    else:
        raise ValueError(f"not a date: {text[:40]!r}")
    if year > 2400:
        year -= BUDDHIST_ERA
    if not 1900 <= year <= 2200:
        raise ValueError(f"year out of range: {text[:40]!r}")
    return date(year, month, day)  # ValueError for a day or month that does not exist
