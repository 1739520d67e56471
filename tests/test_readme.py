"""The README's Quick start stays true: two commands, CI runs the second, the main job works."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "Quick start has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands() -> None:
    commands = quick_start()
    assert len(commands) == 2
    assert "pip install" in commands[0] and "kpixl " in commands[0]
    assert "'.[test]'" in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    pattern = re.search(r'grep -m1 "(.*?)" README\.md', script)
    assert pattern
    wanted = pattern.group(1).replace("\\", "")
    readme_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    first = next(line for line in readme_lines if wanted in line)
    assert first == quick_start()[1]


def test_the_main_job_of_the_first_command_runs() -> None:
    job = quick_start()[0].split("&&")[-1].strip()
    argv = shlex.split(job)
    assert Path(argv[0]).name == "kpixl"
    result = subprocess.run(
        [sys.executable, "-m", "kpixl", *argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


# --- The examples are real: ids with valid check digits, commands that exist ---------

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# 13 digits in a row, or written in the usual groups 1-2345-67890-12-3
ID_PATTERN = re.compile(r"(?<![\d-])(\d{13}|\d-\d{4}-\d{5}-\d{2}-\d)(?![\d-])")


def check_digit(first_twelve: str) -> int:
    """The Thai national id's check digit (mod 11), computed here independently of kpixl."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def ids_in(text: str) -> list[str]:
    return [m.replace("-", "") for m in ID_PATTERN.findall(text.translate(THAI_DIGITS))]


def test_the_id_check_reads_ids_as_the_docs_write_them() -> None:
    assert ids_in("x 1101700123456, ๑๑๐๑๗๐๐๑๒๓๔๕๖ and 1-1017-00123-45-6 y") == ["1101700123456"] * 3
    assert ids_in("12345678901234 and 123456789012") == []  # 14 and 12 digits: not ids
    assert check_digit("110170012345") == 6
    assert check_digit("110170012345") != 8  # the README's old example, 1101700123458


def test_every_id_in_the_docs_has_a_valid_check_digit() -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {pid} (check digit {check_digit(pid[:12])})"
        for path in DOCS
        for pid in ids_in(path.read_text(encoding="utf-8"))
        if int(pid[12]) != check_digit(pid[:12])
    ]
    assert not bad, bad


def shown_commands(text: str) -> list[str]:
    """Every `kpixl …` command line shown in a shell block or an inline code span."""
    lines: list[str] = []
    blocks = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.S | re.M)
    for lang, body in blocks.findall(text):
        if lang in ("bash", "sh", "bat", "console", ""):
            lines += body.splitlines()
    lines += [span for span in re.findall(r"`([^`]+)`", blocks.sub("", text))]
    commands = []
    for line in lines:
        for part in re.split(r"&&|\|\||[|;>]", line):
            if not re.search(r"(^|[\s/])kpixl(\s|$)", part):
                continue
            words = shlex.split(part.replace("\\", "/"), comments=True)
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words.pop(0)  # KPIXL_SEAL_KEY=… kpixl seal …
            if words and Path(words[0]).name == "kpixl":
                commands.append(" ".join(words))
    return commands


def command_problems(shown: str) -> list[str]:
    """What is wrong with one shown command line: an unknown command or option."""
    import click

    from kpixl.cli import cli

    command: click.Command = cli
    for word in shown.split()[1:]:
        if word.startswith("-") or not isinstance(command, click.Group):
            break
        sub = command.commands.get(word)
        if sub is None:
            return [f"{shown}: no command {word!r}"]
        command = sub
    known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    known |= {"--help", "-h"}
    return [
        f"{shown}: no option {name}"
        for word in shown.split()[1:]
        if (name := word.split("=", 1)[0]).startswith("-") and name not in known
    ]


def test_the_command_check_catches_what_does_not_exist() -> None:
    text = "```bash\nKPIXL_X=1 .venv/bin/kpixl consolidate m.xlsx --jobs 2 # note\n```\n"
    text += "Then `kpixl nosuch OUT` and `kpixl consolidate --nosuch` && `pip install kpixl`."
    shown = shown_commands(text)
    assert shown == [
        ".venv/bin/kpixl consolidate m.xlsx --jobs 2",
        "kpixl nosuch OUT",
        "kpixl consolidate --nosuch",
    ]
    assert [bool(command_problems(c)) for c in shown] == [False, True, True]


def test_every_command_in_the_readme_exists() -> None:
    commands = [c for path in DOCS for c in shown_commands(path.read_text(encoding="utf-8"))]
    assert any(c.startswith("kpixl consolidate ") for c in commands)  # the reader works
    problems = [problem for shown in commands for problem in command_problems(shown)]
    assert not problems, problems


# --- Links and the docs the code names resolve -----------------------------------------

# Docs written on another branch while this one is open (empty once they are merged).
WRITTEN_ON_OTHER_BRANCHES: set[str] = set()


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, letters, marks, digits, - and _ kept."""
    kept = "".join(
        c for c in heading.strip().lower() if unicodedata.category(c)[0] in "LMN" or c in " -_"
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^ *```.*?^ *```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def test_every_link_between_the_docs_resolves() -> None:
    broken, waiting = [], set()
    for path in DOCS:
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            file, _, anchor = target.partition("#")
            goal = (path.parent / file).resolve() if file else path
            name = goal.relative_to(ROOT).as_posix()
            if name in WRITTEN_ON_OTHER_BRANCHES and not goal.exists():
                waiting.add(name)
            elif not goal.exists():
                broken.append(f"{path.name}: {target}")
            elif anchor and anchor not in anchors(goal):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert not broken, broken
    assert waiting <= WRITTEN_ON_OTHER_BRANCHES


def test_every_doc_the_code_names_exists() -> None:
    named = {
        (source.relative_to(ROOT).as_posix(), doc)
        for source in [*(ROOT / "kpixl").rglob("*.py"), ROOT / ".ci" / "run"]
        for doc in re.findall(r"docs/[\w.-]+\.md", source.read_text(encoding="utf-8"))
    }
    assert named  # the code does point at the docs
    missing = [f"{source}: {doc}" for source, doc in named if not (ROOT / doc).exists()]
    assert not missing, missing


def test_the_readme_roster_table_is_the_masters_roster() -> None:
    from kpixl.workbooks import master_layout

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The roster", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ")]
    headers, fields = [], []
    for cells in rows[1:]:  # after the heading row
        headers += [h.strip() for h in cells[1].split(",")]
        fields += re.findall(r"`(\w+)`", cells[2])
    assert fields == list(master_layout.ROSTER_COLUMNS)
    assert headers == list(master_layout.ROSTER_HEADERS)
