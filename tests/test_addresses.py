"""E-mail addresses (issue 16, item 1): the roster's and the Units sheet's addresses and
the Config's mail settings are checked, each bad one a warning at its cell; the demo
has a plausible, unique example.org address for everyone, and ``--messy`` plants bad ones.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpixl.core.addresses import address_problems, check_address, check_mailbox, shown
from kpixl.core.codes import CODES
from kpixl.core.findings import WARNING, Finding
from kpixl.core.numbers import whole_setting
from kpixl.core.rounds import parse_round
from kpixl.core.rules import default_rules
from kpixl.core.thaitime import read_date
from kpixl.jobs.consolidate import consolidate
from kpixl.jobs.demo import DOMAIN, FIRST, LAST, ROMAN, build_demo, demo_people, due_dates
from kpixl.jobs.match import validate_roster
from kpixl.jobs.round import mail_settings
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import master_bytes, read_master
from kpixl.workbooks.roster import read_roster

RULES = default_rules()
EMAIL = chr(ord("A") + M.ROSTER_COLUMNS.index("email"))  # the Roster's e-mail column
HEAD_EMAIL = chr(ord("A") + M.UNIT_COLUMNS.index("head_email"))
NEW_CODES = (
    "roster.email",
    "roster.duplicate_email",
    "units.head_email",
    "units.duplicate_email",
    "config.mail_address",
    "config.mail_setting",
    "config.due_date",
    "config.mail_placeholder",
)
THAI = re.compile("[\u0e00-\u0e7f]")


# ---------------------------------------------------------------- check_address


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("somchai.j@example.org", "somchai.j@example.org"),
        ("  Somchai.J@Example.ORG  ", "Somchai.J@example.org"),  # the domain lower-cased
        ("a+tag@mail.example.org", "a+tag@mail.example.org"),
        ("o'brien@example.org", "o'brien@example.org"),
        ("x@xn--12c1fe0br.xn--o3cw4h", "x@xn--12c1fe0br.xn--o3cw4h"),  # a Thai domain, typed xn--
        ("first_last-2@sub.example.co.th", "first_last-2@sub.example.co.th"),
    ],
)
def test_an_address_passes_trimmed_with_its_domain_lower_cased(text: str, address: str) -> None:
    assert check_address(text) == (address, None)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "blank"),
        (None, "blank"),
        ("=cmd|' /C calc'!A0", "formula"),
        ('=HYPERLINK("http://x")@example.org', "formula"),
        ("+66812345678@example.org", "formula"),
        ("-x@example.org", "formula"),
        ("@example.org", "formula"),
        ("a@example.org\nb@example.org", "control character"),
        ("a\x00b@example.org", "control character"),
        ("a\tb@example.org", "control character"),
        ("a\x85b@example.org", "control character"),  # C1 control (NEL)
        ("a@example.org, b@example.org", "one address per cell"),
        ("a@example.org;b@example.org", "one address per cell"),
        ("a@example.org b@example.org", "one address per cell"),
        ("นายสมชาย ใจดี somchai@example.org", "no name, no spaces"),
        ("somchai j@example.org", "no name, no spaces"),
        ("somchai\u00a0j@example.org", "no name, no spaces"),  # a no-break space
        ("somchai@example,org", "a comma for a dot"),
        ("สมชาย@example.org", "only Latin letters"),
        ("somchai@ตัวอย่าง.ไทย", "only Latin letters"),
        ("somchai\u200b@example.org", "only Latin letters"),  # a zero-width space
        ("somchai＠example.org", "only Latin letters"),  # a full-width @
        ("a" * 300 + "@example.org", "longer than 254"),
        ("a" * 65 + "@example.org", "not an address"),  # a local part over 64
        ("somchai", "not an address"),
        ("somchai@", "not an address"),
        ("somchai@localhost", "not an address"),
        ("somchai@example.", "not an address"),
        ("somchai@-example.org", "not an address"),
        ("somchai..j@example.org", "not an address"),
        ("a@b@example.org", "not an address"),
        ("<somchai@example.org>", "not an address"),
        ("mailto:somchai@example.org", "not an address"),
        ("somchai@" + "a" * 64 + ".org", "not an address"),  # a label over 63
    ],
)
def test_a_bad_address_says_why_in_thai_and_english(text: object, why: str) -> None:
    address, problem = check_address(text)
    assert problem is not None
    assert why in problem.en
    assert THAI.search(problem.th) and not THAI.search(problem.en)
    assert f"{problem.th} / {problem.en}" == problem
    assert address == ("" if text is None else text)  # as typed, to be shown


@given(st.text(max_size=300))
def test_whatever_is_typed_either_is_one_plain_address_or_says_why(text: str) -> None:
    address, problem = check_address(text)
    if problem is None:
        assert address.isascii() and address.count("@") == 1 and len(address) <= 254
        assert not any(c.isspace() or ord(c) < 32 for c in address)
        assert address[0] not in "=+-@"
        assert check_address(address) == (address, None)  # checking twice changes nothing
    else:
        assert problem.th and problem.en


def test_a_very_long_text_is_refused_at_once() -> None:
    _, problem = check_address("a." * 500_000 + "@example.org")
    assert problem is not None and "longer than 254" in problem.en


@pytest.mark.parametrize(
    ("text", "name", "address"),
    [
        ("กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>", "กลุ่มบริหารทรัพยากรบุคคล", "hr@example.org"),
        ('"HR, Office" <hr@Example.org>', "HR, Office", "hr@example.org"),
        ("hr@example.org", "", "hr@example.org"),
        ("<hr@example.org>", "", "hr@example.org"),
    ],
)
def test_a_mailbox_is_a_name_and_an_address(text: str, name: str, address: str) -> None:
    assert check_mailbox(text) == (name, address, None)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("HR <hr@example,org>", "a comma for a dot"),
        ("HR <hr@example.org", "Name <address>"),
        ("HR <a@example.org> <b@example.org>", "Name <address>"),
        ("H\x07R <hr@example.org>", "control character"),
        ('H"R <hr@example.org>', 'a "'),
        ("กลุ่มบริหาร hr@example.org", "no name, no spaces"),
    ],
)
def test_a_bad_mailbox_says_why(text: str, why: str) -> None:
    _, _, problem = check_mailbox(text)
    assert problem is not None and why in problem.en


def test_address_problems_names_bad_cells_and_clashes_of_different_owners() -> None:
    values = [
        "a@example.org",
        "A@EXAMPLE.org",  # the same mailbox, case aside, another person
        "bad",
        None,
        "",
        float("nan"),
        "a@example.org",  # the first person listed again: not a clash
        "c@example.org",
        "c@example.org",  # two people with no owner known: a clash
    ]
    owners = ["1", "2", "3", "4", "5", "6", "1", "", ""]
    bad, repeated = address_problems(values, owners)
    assert [position for position, _ in bad] == [2]
    assert repeated == [(1, 0), (8, 7)]


def test_shown_makes_control_characters_visible_and_clips() -> None:
    assert shown("a\nb\x00") == "a\\x0ab\\x00"
    assert shown("x" * 500) == "x" * 79 + "…"


@pytest.mark.parametrize(
    ("value", "number"),
    [(587, 587), (587.0, 587), ("587", 587), ("๕๘๗", 587), (" 25 ", 25)],
)
def test_whole_setting_reads_a_port_as_typed(value: object, number: int) -> None:
    assert whole_setting(value, 65535) == number


@pytest.mark.parametrize("value", [0, -1, 1.5, "abc", "70000", True, "5e2", "1_000"])
def test_whole_setting_refuses_what_is_not_a_whole_number_in_range(value: object) -> None:
    assert whole_setting(value, 65535) is None


def test_every_new_code_is_a_warning_with_thai_and_english() -> None:
    for code in NEW_CODES:
        severity, th, en = CODES[code]
        assert severity == WARNING
        assert THAI.search(th) and en


# ---------------------------------------------------------------- a master's findings


def small_master(
    tmp_path: Path,
    *,
    roster_emails: dict[int, Any] | None = None,
    head_emails: dict[int, Any] | None = None,
    config: dict[str, Any] | None = None,
) -> Path:
    """A master of the demo's organisation (3 units, 8 people), some addresses changed."""
    units, roster = demo_people(3, 8, 2569, RULES)
    for i, value in (roster_emails or {}).items():
        roster[i]["email"] = value
    for i, value in (head_emails or {}).items():
        units[i]["head_email"] = value
    path = tmp_path / "master.xlsx"
    path.write_bytes(
        master_bytes(
            rules=RULES, config={"round_id": "2570/1", **(config or {})}, units=units, roster=roster
        )
    )
    return path


def roster_findings(master: Path) -> list[Finding]:
    inputs = read_master(master)
    assert inputs.findings == []
    return [f for f in validate_roster(inputs, RULES).findings if f.rule in NEW_CODES]


def config_findings(master: Path) -> list[Finding]:
    inputs = read_master(master)
    found: list[Finding] = []
    mail_settings(inputs, found)
    return found


def test_a_clean_master_has_no_address_findings(tmp_path: Path) -> None:
    master = small_master(
        tmp_path,
        config={
            "mail_from": "กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>",
            "mail_reply_to": "hr-reply@example.org",
            "smtp_host": "smtp.example.org",
            "smtp_security": "SSL",
            "smtp_port": 465,
            "mail_per_minute": "30",
            "agreement_due": "31/10/2569",
            "evaluation_due": "10 มีนาคม 2570",
        },
    )
    assert roster_findings(master) == []
    assert config_findings(master) == []


def test_a_master_of_blank_addresses_and_settings_has_none_either(tmp_path: Path) -> None:
    master = small_master(
        tmp_path,
        roster_emails={i: None for i in range(8)},
        head_emails={i: "" for i in range(3)},
        config={k: "" for k in M.MAIL_KEYS if not k.startswith(("mail_subject", "mail_body"))},
    )
    assert roster_findings(master) == []
    assert config_findings(master) == []


def test_a_bad_roster_address_is_a_warning_at_its_cell(tmp_path: Path) -> None:
    master = small_master(tmp_path, roster_emails={4: "=cmd|' /C calc'!A0", 6: "a@x.org\nb@y.org"})
    found = roster_findings(master)
    assert [(f.rule, f.file, f.sheet, f.cell, f.severity) for f in found] == [
        ("roster.email", "master.xlsx", M.ROSTER, f"{EMAIL}{M.FIRST_ROW + 4}", WARNING),
        ("roster.email", "master.xlsx", M.ROSTER, f"{EMAIL}{M.FIRST_ROW + 6}", WARNING),
    ]
    first, second = found
    assert "formula" in first.message_en and "สูตร" in first.message_th
    assert first.person_id == read_master(master).roster["person_id"][4]
    assert "\\x0a" in second.message_en and "\n" not in second.message_en  # shown, not obeyed


def test_one_address_for_two_people_is_a_warning_naming_the_other(tmp_path: Path) -> None:
    _, roster = demo_people(3, 8, 2569, RULES)
    shared = roster[3]["email"].upper()  # case aside, the same mailbox
    master = small_master(tmp_path, roster_emails={6: shared})
    (found,) = roster_findings(master)
    assert (found.rule, found.cell) == ("roster.duplicate_email", f"{EMAIL}{M.FIRST_ROW + 6}")
    assert roster[3]["name"] in found.message_th and f"{EMAIL}{M.FIRST_ROW + 3}" in found.message_en


def test_a_bad_head_address_and_a_head_address_of_someone_else(tmp_path: Path) -> None:
    _, roster = demo_people(3, 8, 2569, RULES)
    master = small_master(
        tmp_path,
        head_emails={
            0: "หัวหน้า <head@example.org>",  # a name and an address in one cell
            1: roster[5]["email"],  # a roster person who is not this unit's head
            2: ["หัวหน้า", "<head@example.org>"][0],  # Thai text only
        },
    )
    found = roster_findings(master)
    assert [(f.rule, f.sheet, f.cell) for f in found] == [
        ("units.head_email", M.UNITS, f"{HEAD_EMAIL}{M.FIRST_ROW}"),
        ("units.head_email", M.UNITS, f"{HEAD_EMAIL}{M.FIRST_ROW + 2}"),
        ("units.duplicate_email", M.UNITS, f"{HEAD_EMAIL}{M.FIRST_ROW + 1}"),
    ]
    assert "U01" in found[0].message_en and "no name, no spaces" in found[0].message_en
    clash = found[2]
    assert roster[5]["name"] in clash.message_th
    assert f"{M.ROSTER}!{EMAIL}{M.FIRST_ROW + 5}" in clash.message_en


def test_two_units_with_one_head_address_but_different_heads(tmp_path: Path) -> None:
    units, _ = demo_people(3, 8, 2569, RULES)
    master = small_master(tmp_path, head_emails={2: units[0]["head_email"]})
    (found,) = roster_findings(master)
    assert (found.rule, found.cell) == ("units.duplicate_email", f"{HEAD_EMAIL}{M.FIRST_ROW + 2}")
    assert "the head of unit U01" in found.message_en and "U03" in found.message_en


def test_the_same_head_of_two_units_may_give_one_address(tmp_path: Path) -> None:
    units, roster = demo_people(3, 8, 2569, RULES)
    path = tmp_path / "master.xlsx"
    units[2]["head"], units[2]["head_email"] = units[0]["head"], units[0]["head_email"]  # acting
    path.write_bytes(master_bytes(rules=RULES, config={}, units=units, roster=roster))
    assert roster_findings(path) == []


@pytest.mark.parametrize(
    ("key", "value", "code", "why"),
    [
        ("mail_from", "hr@example,org", "config.mail_address", "a comma for a dot"),
        ("mail_from", "กลุ่มบริหาร <hr@example.org", "config.mail_address", "Name <address>"),
        ("mail_reply_to", "a@example.org; b@example.org", "config.mail_address", "one address"),
        ("smtp_security", "tls", "config.mail_setting", "one of starttls, ssl, none"),
        ("smtp_port", "ห้าแปดเจ็ด", "config.mail_setting", "1 to 65,535"),
        ("smtp_port", 0, "config.mail_setting", "1 to 65,535"),
        ("smtp_port", 70000, "config.mail_setting", "1 to 65,535"),
        ("mail_per_minute", 2.5, "config.mail_setting", "a whole number"),
        ("mail_per_minute", "-3", "config.mail_setting", "a whole number"),
        ("smtp_host", "smtp://mail.example.org:587", "config.mail_setting", "host name only"),
        ("agreement_due", "31/13/2569", "config.due_date", "31/10/2569"),
        ("evaluation_due", "ปลายเดือนมีนาคม", "config.due_date", "31/10/2569"),
        (
            "mail_subject_agreements",
            "รอบ {round} {nmae} {date}",
            "config.mail_placeholder",
            "{nmae} {date}",
        ),
        ("mail_body_reminders", "{name.__class__}", "config.mail_placeholder", "known: {name}"),
        ("mail_subject_notices", "แจ้งผล {ชื่อ} {round}", "config.mail_placeholder", "{ชื่อ}"),
    ],
)
def test_a_bad_mail_setting_is_a_warning_at_its_config_cell(
    tmp_path: Path, key: str, value: object, code: str, why: str
) -> None:
    master = small_master(tmp_path, config={key: value})
    (found,) = config_findings(master)
    row = read_master(master).config_rows[key]
    assert (found.rule, found.sheet, found.cell, found.field) == (code, M.CONFIG, f"B{row}", key)
    assert found.severity == WARNING
    assert why in found.message_en, found.message_en
    assert THAI.search(found.message_th)


def test_a_placeholder_typo_is_reported_once_however_often_typed(tmp_path: Path) -> None:
    master = small_master(tmp_path, config={"mail_body_units": "{nmae} {nmae} {unit}"})
    (found,) = config_findings(master)
    assert found.value == "{nmae}"


def test_an_hr_roster_file_with_an_e_mail_column_is_read_and_checked(tmp_path: Path) -> None:
    """HR's own sheet: a title row, its own headers (E-mail among them), another order."""
    _, roster = demo_people(3, 5, 2569, RULES)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["รายชื่อข้าราชการ"])
    ws.append(["ชื่อ-สกุล", "เลขประจำตัวประชาชน", "E-mail", "หน่วยงาน", "ระดับ", "เงินเดือน"])
    for i, p in enumerate(roster):
        email = "สมชาย@example.org" if i == 2 else p["email"]
        ws.append([p["name"], p["person_id"], email, p["unit"], p["level_code"], p["salary"]])
    path = tmp_path / "hr.xlsx"
    wb.save(path)
    result = read_roster(path)
    assert result.frame["email"].tolist()[:2] == [roster[0]["email"], roster[1]["email"]]
    (found,) = [f for f in result.findings if f.rule.startswith("roster.") and "email" in f.rule]
    assert (found.rule, found.sheet, found.cell) == ("roster.email", "Sheet", "C5")
    assert "only Latin letters" in found.message_en


# ---------------------------------------------------------------- the demo


def test_the_demo_names_are_all_romanised() -> None:
    for thai in [first for first, _ in FIRST] + LAST:
        assert re.fullmatch("[a-z]+", ROMAN[thai]), thai


def test_demo_addresses_are_plausible_unique_and_example_org_only() -> None:
    rng = random.Random(7)
    for units, people, seed in [(3, 20, 2569), (8, 150, 11), (12, 600, rng.randint(1, 9999))]:
        unit_rows, roster = demo_people(units, people, seed, RULES)
        emails = [p["email"] for p in roster]
        assert len(set(e.lower() for e in emails)) == len(emails)
        for email in emails:
            assert check_address(email) == (email, None)
            assert email.endswith(f"@{DOMAIN}") and DOMAIN == "example.org"
            assert re.fullmatch(r"[a-z]+\.[a-z]+[0-9]*@example\.org", email)
        by_name: dict[str, str] = {}
        for p in roster:  # two people may share a name; the head comes first
            by_name.setdefault(p["name"], p["email"])
        for unit in unit_rows:  # each head's address is the head's own
            assert unit["head_email"] == by_name[unit["head"]]
        bad, repeated = address_problems(emails, [p["person_id"] for p in roster])
        assert (bad, repeated) == ([], [])
    assert demo_people(3, 20, 2569, RULES) == demo_people(3, 20, 2569, RULES)  # deterministic


def test_demo_due_dates_fall_inside_the_round() -> None:
    assert due_dates(parse_round("2570/1")) == {
        "agreement_due": "31/10/2569",
        "evaluation_due": "10/3/2570",
    }
    second = parse_round("2570/2")
    dates = {k: read_date(v) for k, v in due_dates(second).items()}
    assert second.start < dates["agreement_due"] < dates["evaluation_due"]
    assert dates["evaluation_due"].month == 9  # before the round ends on 30 September


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("addr")
    return build_demo(root / "demo").master, build_demo(root / "messy", messy=True).master


def test_the_demo_master_carries_the_addresses_and_consolidates_without_address_findings(
    demos: tuple[Path, Path],
) -> None:
    master, _ = demos
    inputs = read_master(master)
    assert inputs.roster["email"].notna().all() and inputs.units["head_email"].notna().all()
    assert inputs.config["mail_from"] == "กลุ่มบริหารทรัพยากรบุคคล <hr@example.org>"
    assert read_date(inputs.config["agreement_due"]) < read_date(inputs.config["evaluation_due"])
    result = consolidate(master, jobs=1, write=False)
    assert [f for f in result.findings if f.rule in NEW_CODES] == []


def test_the_messy_demo_reports_its_bad_addresses_at_their_cells(
    demos: tuple[Path, Path],
) -> None:
    _, master = demos
    result = consolidate(master, jobs=1)
    found = {(f.rule, f.sheet, f.cell) for f in result.findings if f.rule in NEW_CODES}
    rows = read_master(master).roster
    last = int(rows["_row"].max())
    assert found == {
        ("roster.email", M.ROSTER, f"{EMAIL}{last - 3}"),  # a comma for a dot
        ("roster.duplicate_email", M.ROSTER, f"{EMAIL}{last - 1}"),  # another's address
        ("units.head_email", M.UNITS, f"{HEAD_EMAIL}{M.FIRST_ROW + 2}"),  # name and address
    }
    issues = openpyxl.load_workbook(master)[M.ISSUES]
    listed = {row[1] for row in issues.iter_rows(min_row=M.FIRST_ROW, values_only=True)}
    assert {"roster.email", "roster.duplicate_email", "units.head_email"} <= listed
    assert result.results["person_id"].nunique() == len(result.results)  # pay goes on
