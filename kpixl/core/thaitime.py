"""Times as Thai offices read them: Asia/Bangkok, dates in the Buddhist era.

Stored times are ISO 8601 with their offset (``2026-10-01T09:00:00+07:00``); Thai
messages show ``1 ต.ค. 2569 เวลา 09:00 น.``. Bangkok has kept UTC+07:00 without
daylight saving since 1920, so where the time-zone database is missing (Windows
without the ``tzdata`` package) a fixed +07:00 offset gives the same times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "bangkok",
    "bangkok_now",
    "english_datetime",
    "parse_stamp",
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
