"""Paths built from workbook text stay inside their folder (kpixl.io.paths)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kpixl.core.errors import InputError
from kpixl.core.rounds import parse_round
from kpixl.io.paths import safe_child, safe_part
from kpixl.workbooks.generate import file_name, generate_personal

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "demo"

HOSTILE = [
    ("../../../X", "X"),
    ("..", "_"),
    ("../", "_"),
    ("./.", "_"),
    ("/abs/X", "abs-X"),
    ("/", "_"),
    ("C:\\X", "C-X"),
    ("C:X", "C-X"),
    ("c:/Windows/System32", "c-Windows-System32"),
    ("\\\\srv\\share", "srv-share"),
    ("//srv/share/x", "srv-share-x"),
    ("\\\\?\\C:\\X", "C-X"),
    ("..\\..\\X", "X"),
    ("U01/../../X", "U01-..-..-X"),
    ("CON", "_CON"),
    ("nul.xlsx", "_nul.xlsx"),
    ("Com1.txt", "_Com1.txt"),
    ("LPT9", "_LPT9"),
    ("CONSOLE", "CONSOLE"),  # only the device names themselves are reserved
    ("a\x00b\tc\nd\x1f\x7f", "abcd"),
    ("gr\u202eoup", "group"),  # a right-to-left override that would spoof the name
    ("name. . ", "name"),
    ("report.xlsx:stream", "report.xlsx-stream"),
    ('a<b>c"d|e?f*g', "a-b-c-d-e-f-g"),
    ("", "_"),
    ("   ", "_"),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_safe_part_makes_one_plain_name(text: str, expected: str) -> None:
    assert safe_part(text) == expected


@pytest.mark.parametrize("text", [t for t, _ in HOSTILE])
def test_safe_child_stays_inside_the_folder(tmp_path: Path, text: str) -> None:
    folder = tmp_path / "personal"
    path = safe_child(folder, text, f"{text}.xlsx")
    assert path.parent.parent == folder
    assert os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep)
    for part in path.relative_to(folder).parts:
        assert part not in ("", ".", "..")
        assert not set(part) & set('\\/:*?"<>|')
        assert part == part.rstrip(". ")


def test_ordinary_names_are_unchanged() -> None:
    """The demo's unit codes and file names (Thai names) pass as they are."""
    names = [p.name for p in DEMO.rglob("*.xlsx")] + [p.name for p in DEMO.glob("personal/*")]
    assert len(names) > 20
    for name in names:
        assert safe_part(name) == name
    for text in ("U01", "กลุ่มบริหารทรัพยากรบุคคล", "2570-1_1101700123458_สมใจ-ใจดี.xlsx", "a b"):
        assert safe_part(text) == text


def test_long_names_keep_their_extension_within_the_byte_limit() -> None:
    name = safe_part("ก" * 200 + ".xlsx")
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= 240
    assert name.startswith("ก" * 10)


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "personal"
    folder.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (folder / "U01").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(InputError, match="not inside"):
        safe_child(folder, "U01", "x.xlsx")
    assert safe_child(folder, "U02", "x.xlsx") == folder / "U02" / "x.xlsx"


def test_personal_workbooks_from_hostile_roster_text_stay_in_their_folder(tmp_path: Path) -> None:
    """`kpixl personal new` and the new_round button write through generate_personal."""
    out = tmp_path / "a" / "b" / "personal"
    round_ = parse_round("2570/1")
    people = [
        {"person_id": "1101700123458", "name": "../../../../evil", "level_code": "K2"},
        {"person_id": "x/../../../y", "name": "/abs/evil", "level_code": "K2"},
        {"person_id": "C:\\Windows", "name": "\\\\srv\\share\\evil", "level_code": "K2"},
        {"person_id": "CON", "name": "", "level_code": "K2"},
    ]
    paths = generate_personal(people, out, round_=round_)
    assert len(paths) == 4
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written == sorted(paths)
    assert all(p.parent == out for p in paths)
    assert file_name(round_, people[0]) == "2570-1_1101700123458_..-..-..-..-evil.xlsx"
    assert paths[0].name == "2570-1_1101700123458_..-..-..-..-evil.xlsx"


def test_a_very_long_roster_name_makes_a_short_file_name() -> None:
    """A 300-character name pasted into the roster: the file name keeps its first 40
    characters, so the workbook can be written (and fits a Windows path)."""
    round_ = parse_round("2570/1")
    person = {"person_id": "1101700123458", "name": "นายสมชาย " + "ใจดีมาก" * 43}
    name = file_name(round_, person)
    assert name.startswith("2570-1_1101700123458_นายสมชาย-ใจดีมาก")
    assert name.endswith(".xlsx") and len(name) <= len("2570-1_1101700123458_") + 40 + 5
    assert len(name.encode("utf-8")) < 255
