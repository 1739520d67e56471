"""Controlled vocabularies: the codes kpixl stores and the Thai labels people pick.

Workbook dropdowns show the Thai label; readers accept the label, the code, or a few
common spellings, and store the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "CATEGORIES",
    "DIRECTIONS",
    "KINDS",
    "YES_NO",
    "LevelMatch",
    "Vocabulary",
    "level_choices",
    "level_code_of",
    "level_problem",
    "match_level",
]


class Vocabulary:
    """Codes with a Thai label each, plus accepted aliases."""

    def __init__(self, name: str, labels: dict[str, str], aliases: dict[str, str]) -> None:
        self.name = name
        self.labels = labels
        self._lookup = {code.casefold(): code for code in labels}
        self._lookup.update({label.casefold(): code for code, label in labels.items()})
        self._lookup.update({alias.casefold(): code for alias, code in aliases.items()})

    def code(self, value: object) -> str | None:
        """The code for a label, code or alias; ``None`` when it is not known."""
        if not isinstance(value, str):
            return None
        return self._lookup.get(" ".join(value.split()).casefold())

    def label(self, code: str) -> str:
        return self.labels[code]

    @property
    def choices(self) -> list[str]:
        """The Thai labels, in order, as a dropdown shows them."""
        return list(self.labels.values())


KINDS = Vocabulary(
    "kind",
    {"quantitative": "เชิงปริมาณ", "milestone": "เชิงคุณภาพ (ขั้นความสำเร็จ)"},
    {
        "เชิงคุณภาพ": "milestone",
        "ขั้นความสำเร็จ": "milestone",
        "ระดับความสำเร็จ": "milestone",
        "qualitative": "milestone",
        "ปริมาณ": "quantitative",
    },
)

DIRECTIONS = Vocabulary(
    "direction",
    {"higher": "ยิ่งมากยิ่งดี", "lower": "ยิ่งน้อยยิ่งดี"},
    {"มากดี": "higher", "น้อยดี": "lower", "higher-is-better": "higher", "lower-is-better": "lower"},
)

CATEGORIES = Vocabulary(
    "category",
    {
        "strategic": "งานตามยุทธศาสตร์",
        "mission": "งานตามภารกิจหลัก",
        "assigned": "งานที่ได้รับมอบหมาย",
    },
    {"ยุทธศาสตร์": "strategic", "ภารกิจ": "mission", "มอบหมาย": "assigned"},
)

YES_NO = Vocabulary(
    "yes_no",
    {"yes": "ใช่", "no": "ไม่ใช่"},
    {"y": "yes", "n": "no", "true": "yes", "false": "no", "1": "yes", "0": "no"},
)


# ----------------------------------------------------------------------- level names


class _Level(Protocol):
    """What a salary table says of one level (:class:`kpixl.core.salary_table.LevelRange`)."""

    @property
    def code(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def level(self) -> str: ...


# words people put around a position type or a level name: "ประเภทวิชาการ ระดับชำนาญการ"
_FILLER = re.compile(r"ประเภท|ระดับ|ตำแหน่ง|[\s()\-–/:,.]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


@dataclass(frozen=True)
class LevelMatch:
    """What a level cell names: its ``code``, or why not (``problem``: ``ambiguous``,
    ``type`` — the name is not a level of the position type given —, ``unknown``), with
    the levels it could mean (``candidates``, codes)."""

    code: str | None
    problem: str | None = None
    candidates: tuple[str, ...] = ()
    position_type: str = ""


def _compact(text: str) -> str:
    return _FILLER.sub("", text)


def _type_of(text: str, types: Iterable[str]) -> tuple[str, str]:
    """(position type the text starts with, the rest); ("", text) when none."""
    for name in sorted(set(types), key=len, reverse=True):
        if name and text.startswith(name):
            return name, text[len(name) :]
    return "", text


def match_level(
    value: object,
    levels: Mapping[str, _Level],
    *,
    position_type: object = None,
    hint: Iterable[str] = (),
) -> LevelMatch | None:
    """The level a cell names by its Thai name, or ``None`` when it names none in Thai.

    A level code (``K2``) is the code. A Thai name may come with its position type, in
    the cell (``วิชาการ ชำนาญการ``, ``ประเภทอำนวยการ ระดับต้น``, ``อำนวยการต้น``) or in
    ``position_type`` (a roster's ประเภทตำแหน่ง column); a name alone that one level
    bears (``ชำนาญการ`` → ``K2``) needs none. ``hint``: codes the row's other cells allow
    (its pool group's levels), which settle a name several levels bear (``ต้น``). Text
    with no Thai in it that is not a code is left to the code check (``None``).
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if text in levels:
        return LevelMatch(text)
    if not _THAI.search(text):
        return None
    types = [lv.type for lv in levels.values()]
    given, rest = _type_of(_compact(text), types)
    column = _compact(str(position_type)) if isinstance(position_type, str) else ""
    if column and column not in types:
        column = ""
    if given and column and given != column:  # the cell and the type column disagree
        return LevelMatch(None, "type", (), column)
    wanted = given or column
    named = [lv for lv in levels.values() if lv.level == rest]
    if not rest:  # a type alone: every level of it
        named = [lv for lv in levels.values() if lv.type == wanted]
        return LevelMatch(None, "ambiguous" if named else "unknown", _codes(named), wanted)
    fits = [lv for lv in named if not wanted or lv.type == wanted]
    if not fits:
        return LevelMatch(None, "type" if named else "unknown", _codes(named), wanted)
    if len(fits) > 1:
        allowed = set(hint)
        settled = [lv for lv in fits if lv.code in allowed]
        if len(settled) == 1:
            return LevelMatch(settled[0].code, position_type=settled[0].type)
        return LevelMatch(None, "ambiguous", _codes(fits), wanted)
    return LevelMatch(fits[0].code, position_type=fits[0].type)


def _codes(levels: Iterable[_Level]) -> tuple[str, ...]:
    return tuple(lv.code for lv in levels)


def level_choices(levels: Mapping[str, _Level]) -> list[str]:
    """Every level as a dropdown offers it: its Thai title (``วิชาการ ชำนาญการ``), which
    :func:`match_level` reads back as its code."""
    return [f"{lv.type} {lv.level}" for lv in levels.values()]


def level_code_of(value: str, levels: Mapping[str, _Level]) -> str:
    """A level typed as a code or as a Thai title (``ชำนาญการ`` → ``K2``) as its code.

    Text that names no one level comes back as typed, stripped, for the code check to
    report; a Thai title several levels bear raises :class:`ValueError` in Thai and
    English (:func:`level_problem`)."""
    match = match_level(value, levels)
    if match is None:
        return " ".join(str(value).split())
    if match.code is None:
        th, en = level_problem(match, levels)
        raise ValueError(f"{value}: {th} / {en}")
    return match.code


def level_problem(match: LevelMatch, levels: Mapping[str, _Level]) -> tuple[str, str]:
    """Why ``match`` names no level, in Thai and English, with the levels it could mean."""
    could = ", ".join(f"{c} ({levels[c].type} {levels[c].level})" for c in match.candidates)
    if match.problem == "ambiguous":
        return f"ตรงกับได้หลายระดับ: {could}", f"could be any of several levels: {could}"
    if match.problem == "type":
        th = f"ไม่ใช่ระดับของประเภท{match.position_type}"
        en = f"is not a level of the position type {match.position_type}"
        if could:
            th, en = th + f" (ชื่อนี้คือ {could})", en + f" (that name is {could})"
        return th, en
    names = ", ".join(dict.fromkeys(lv.level for lv in levels.values()))
    return f"ไม่ใช่ชื่อระดับที่รู้จัก (ชื่อระดับ: {names})", f"is not a known level name ({names})"
