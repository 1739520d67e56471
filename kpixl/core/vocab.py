"""Controlled vocabularies: the codes kpixl stores and the Thai labels people pick.

Workbook dropdowns show the Thai label; readers accept the label, the code, or a few
common spellings, and store the code.
"""

from __future__ import annotations

__all__ = ["CATEGORIES", "DIRECTIONS", "KINDS", "Vocabulary"]


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
