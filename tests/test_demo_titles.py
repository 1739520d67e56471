"""The demo's titles match its first names' genders: นาย for men, นาง/นางสาว for women.

Only the titles changed: the random draws are as they were, so a fresh demo gives the
committed demo's results byte for byte and its names differ from them in titles only.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl

from kpixl.core.rules import default_rules
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import FIRST, TITLES, build_demo, demo_people
from kpixl.workbooks import master_layout as M

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "demo"
TITLE = re.compile(r"^(นางสาว|นาง|นาย)(\S+) ")
GENDER = dict(FIRST)


def test_the_name_lists_give_each_first_name_a_gender() -> None:
    assert len(GENDER) == len(FIRST) and set(GENDER.values()) == set(TITLES) == {"m", "f"}
    for first in ("สมชาย", "วิชัย", "ชยพล", "กิตติ"):
        assert GENDER[first] == "m"
    for first in ("สมหญิง", "ปิยะนุช", "มาลี", "สุนิสา"):
        assert GENDER[first] == "f"


def test_every_generated_title_matches_the_first_name() -> None:
    rules = default_rules()
    seen = set()
    for seed in (2569, 1, 7):
        units, roster = demo_people(8, 150, seed, rules)
        names = [p["name"] for p in roster] + [u["head"] for u in units]
        for name in names:
            match = TITLE.match(name)
            assert match, name
            title, first = match.groups()
            assert title in TITLES[GENDER[first]], name
            seen.add(title)
    assert seen == {"นาย", "นาง", "นางสาว"}  # women are both นาง and นางสาว


def _masked(names: list[str]) -> list[str]:
    return [TITLE.sub(r"<title>\2 ", n) for n in names]


def test_the_committed_demo_is_the_one_kpixl_builds_with_matching_titles(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo")
    result = consolidate(demo.master, export=tmp_path / "results.csv", jobs=1)
    assert result.exit_code == 0
    assert (tmp_path / "results.csv").read_bytes() == (DEMO / "results.csv").read_bytes()
    column = M.ROSTER_COLUMNS.index("name") + 1

    def names(master: Path) -> list[str]:
        ws = openpyxl.load_workbook(master, read_only=True)[M.ROSTER]
        rows = ws.iter_rows(min_row=M.FIRST_ROW, min_col=column, max_col=column, values_only=True)
        return [str(r[0]) for r in rows if r[0]]

    new, committed = names(demo.master), names(DEMO / "master.xlsx")
    assert _masked(new) == _masked(committed)
    assert new == committed  # regenerated after the titles were fixed
    for name in new:
        title, first = TITLE.match(name).groups()  # type: ignore[union-attr]
        assert title in TITLES[GENDER[first]]
