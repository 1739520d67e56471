"""``kpixl excel install``'s Trusted Location: the registry plan (a pure function, the
same on every platform), what a second run writes (nothing), the folders refused, and
the command on a PC without Windows (it says what Windows gets and writes nothing)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from kpixl.excel.install import (
    TRUST_KEY_NAME,
    RegValue,
    choose_trusted_folder,
    too_broad,
    trust_changes,
    trust_plan,
)

KEY = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations\LocationKpixl"
WHEN = datetime(2026, 12, 2, 16, 30)


def test_the_plan_is_kpixls_own_key_with_the_trust_centers_values() -> None:
    plan = trust_plan(PureWindowsPath(r"C:\Users\somchai\Documents\kpixl"), when=WHEN)
    assert plan.keys == (KEY,) and TRUST_KEY_NAME == "LocationKpixl"
    values = {v.name: (v.kind, v.data) for v in plan.values}
    assert values == {
        "Path": ("REG_SZ", "C:\\Users\\somchai\\Documents\\kpixl\\"),  # trailing backslash
        "AllowSubfolders": ("REG_DWORD", 1),
        "Description": ("REG_SZ", values["Description"][1]),
        "Date": ("REG_SZ", "2026-12-02 16:30"),
    }
    assert "kpixl" in str(values["Description"][1])
    assert not plan.network
    # a trailing backslash given is not doubled; other Office versions get their own key
    again = trust_plan(r"D:\HR\trusted\\", versions=("16.0", "15.0"), when=WHEN)
    assert again.path_value == "D:\\HR\\trusted\\"
    assert again.keys == (KEY, KEY.replace("16.0", "15.0"))


def test_a_network_folder_is_flagged_and_a_relative_one_refused() -> None:
    assert trust_plan(r"\\fileserver\hr\kpixl", when=WHEN).network
    assert trust_plan(r"Z:\kpixl", network=True, when=WHEN).network  # a mapped drive
    with pytest.raises(ValueError, match="absolute"):
        trust_plan(r"kpixl\trusted", when=WHEN)


def test_a_second_run_writes_nothing_and_a_changed_folder_is_rewritten() -> None:
    plan = trust_plan(r"C:\Users\somchai\Documents\kpixl", when=WHEN)
    first = trust_changes(plan.values, None)  # no key yet: every value
    assert [v.name for v in first] == ["Path", "AllowSubfolders", "Description", "Date"]
    registry = {v.name: v.data for v in first}
    later = trust_plan(r"C:\Users\somchai\Documents\kpixl", when=datetime(2027, 1, 5, 9, 0))
    assert trust_changes(later.values, registry) == []  # the same folder: nothing, not even Date
    # Windows matches value names in any case (the Trust Center writes AllowSubFolders too)
    other_case = {k.upper(): v for k, v in registry.items()}
    assert trust_changes(later.values, other_case) == []
    # the user switched subfolders off in the Trust Center: put back, with a new date
    registry["AllowSubfolders"] = 0
    fixed = trust_changes(later.values, registry)
    assert fixed == [RegValue("AllowSubfolders", "REG_DWORD", 1), later.values[3]]
    moved = trust_plan(r"E:\kpixl", when=WHEN)
    assert [v.name for v in trust_changes(moved.values, {v.name: v.data for v in first})] == [
        "Path",
        "Date",
    ]


@pytest.mark.parametrize(
    ("folder", "broad"),
    [
        (r"C:\\", True),
        (r"\\fileserver\hr", True),
        (r"C:\Users", True),
        (r"C:\Users\somchai", True),
        (r"C:\Users\somchai\Documents", True),
        (r"C:\Users\somchai\OneDrive - Agency\Documents", True),
        (r"C:\Users\somchai\Desktop", True),
        (r"C:\Users\somchai\Downloads\kpixl", True),  # where browsers save
        (r"C:\Users\somchai\Documents\kpixl", False),
        (r"C:\Users\somchai\OneDrive\Documents\kpixl", False),
        (r"D:\HR\kpixl-trusted", False),
        (r"\\fileserver\hr\kpixl", False),
    ],
)
def test_folders_too_broad_to_trust(folder: str, broad: bool) -> None:
    home = PureWindowsPath(r"C:\Users\somchai")
    assert too_broad(PureWindowsPath(folder), home) is broad
    assert too_broad(PurePosixPath("/home/somchai"), PurePosixPath("/home/somchai"))
    assert not too_broad(PurePosixPath("/home/somchai/Documents/kpixl"), PurePosixPath("/home/x"))


def test_the_folder_is_in_documents_unless_onedrive_or_a_server_has_documents() -> None:
    home = PureWindowsPath(r"C:\Users\somchai")
    local = choose_trusted_folder(home, home / "Documents", [home / "OneDrive"])
    assert local == PureWindowsPath(r"C:\Users\somchai\Documents\kpixl")
    assert not too_broad(local, home)
    for documents, synced in (
        (r"C:\Users\somchai\OneDrive\Documents", [r"C:\Users\somchai\OneDrive"]),
        (r"C:\Users\somchai\OneDrive - Agency\เอกสาร", [r"c:\users\somchai\onedrive - agency"]),
        (r"\\fileserver\home$\somchai\Documents", []),  # redirected to a server
    ):
        chosen = choose_trusted_folder(
            home, PureWindowsPath(documents), [PureWindowsPath(p) for p in synced]
        )
        assert chosen == PureWindowsPath(r"C:\Users\somchai\kpixl"), documents
        assert not too_broad(chosen, home)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kpixl", "excel", "install", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the install writes the registry")
def test_elsewhere_the_install_says_what_windows_gets_and_creates_nothing(
    tmp_path: Path,
) -> None:
    conf = tmp_path / "xlwings.conf"
    trusted = tmp_path / "trusted"
    done = run("--config-file", str(conf), "--trusted-folder", str(trusted))
    assert done.returncode == 0, done.stderr
    assert KEY in done.stdout and "Windows" in done.stdout and "AllowSubfolders" in done.stdout
    assert not trusted.exists()
    skipped = run("--config-file", str(conf), "--no-trust")
    assert skipped.returncode == 0 and "Trusted Location" not in skipped.stdout


def test_a_broad_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    conf = tmp_path / "xlwings.conf"
    done = run("--config-file", str(conf), "--trusted-folder", str(Path.home()))
    assert done.returncode == 1
    assert "Trusted Location" in done.stderr and "กว้างเกิน" in done.stderr
    assert "Traceback" not in done.stderr
    assert not conf.exists()  # refused first: the interpreter setting is not written either
