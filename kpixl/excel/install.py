"""``kpixl excel install``: get a Windows (or macOS) PC ready for the kpixl buttons.

The .xlsm templates carry xlwings' standalone VBA, so no add-in is needed; Excel only
has to know which Python runs the macros. That lives in the user's xlwings config file
(``~/.xlwings/xlwings.conf``: ``"INTERPRETER_WIN","C:\\...\\pythonw.exe"``), which the
workbooks' xlwings.conf sheet falls back to.

Office blocks the macros of a file that came from the internet or by e-mail (the file
carries the *Mark of the Web*) unless the file is opened from a **Trusted Location**.
So on Windows the install also creates a folder and registers it as an Excel Trusted
Location of the current user; a unit head saves the ``.xlsm`` workbook HR e-mails into
it, and its buttons run. The folder is ``Documents\\kpixl``, or ``%USERPROFILE%\\kpixl``
where Documents is synced by OneDrive or on a server (:func:`choose_trusted_folder`),
and not the round's folder: a round's folder holds ``inbox\\`` with the attachments
``kpixl mail fetch`` files, and nothing that arrives by e-mail should run macros
unasked. It is a folder of its own, never a drive, the profile, Documents, Desktop or
Downloads themselves (refused: too broad).

The registry entry is one key of kpixl's own (never another location's)::

    HKCU\\Software\\Microsoft\\Office\\16.0\\Excel\\Security\\Trusted Locations\\LocationKpixl
        Path             REG_SZ     C:\\Users\\...\\Documents\\kpixl\\   (trailing backslash)
        AllowSubfolders  REG_DWORD  1
        Description      REG_SZ     kpixl: ...
        Date             REG_SZ     when kpixl registered it (shown in the Trust Center)

:func:`trust_plan` computes it (pure, tested on any platform), :func:`trust_changes`
what a run must write given what is there (nothing, on a second run), and
:func:`register_trusted_location` is the only code that touches the registry (Windows
only). Office policy can switch user Trusted Locations off (``Allow User Locations`` =
0, ``AllLocationsDisabled`` = 1 under ``Software\\Policies``); the install reads those
and says so. A network folder is trusted only where *Allow Trusted Locations on my
network* (``AllowNetworkLocations``) is on, which the install reports but does not
change: it would trust every network location the user ever added.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath, PureWindowsPath

from kpixl.core.errors import InputError

__all__ = [
    "STEPS",
    "TRUST_KEY_NAME",
    "RegValue",
    "TrustPlan",
    "check_trusted_folder",
    "choose_trusted_folder",
    "default_trusted_folder",
    "install",
    "interpreter",
    "register_trusted_location",
    "set_user_config",
    "too_broad",
    "trust_changes",
    "trust_notes",
    "trust_plan",
]

STEPS = """\
ขั้นตอนต่อไปใน Excel / next steps in Excel:
  1. File › Options › Trust Center › Trust Center Settings › Macro Settings:
     เลือก "Trust access to the VBA project object model" (เฉพาะเครื่องที่ใช้ฟังก์ชัน KPIXL_)
     / tick "Trust access to the VBA project object model" (only for the KPIXL_ functions).
  2. เปิด {master} แล้วกด Enable Content / open {master} and press Enable Content.
  3. ตั้ง Config: units_folder, personal_folder, round_id / fill in the Config sheet.
  4. กดปุ่ม "รวมผลทั้งองค์กร (Consolidate)" ผลจะอยู่ในแผ่นงาน Results และข้อความสถานะที่ Config!A2
     / press Consolidate: results in Results, the status line in Config!A2.
  5. สำหรับฟังก์ชัน KPIXL_ กดปุ่ม "นำเข้าฟังก์ชัน KPIXL_" หนึ่งครั้ง / for the KPIXL_
     functions press "Import functions" once.
  รายการทดสอบด้วยมือ / manual smoke test: docs/windows.md
"""

TRUST_KEY_NAME = "LocationKpixl"  # kpixl's own key under Trusted Locations
OFFICE_VERSIONS = ("16.0",)  # Office 2016, 2019, 2021, 2024 and Microsoft 365 alike
TRUST_DESCRIPTION = "kpixl: สมุดงานที่มีปุ่มคำสั่ง / workbooks with kpixl buttons"
_SECURITY = r"Software\Microsoft\Office\{version}\Excel\Security"
_POLICIES = r"Software\Policies\Microsoft\Office\{version}"


def interpreter() -> Path:
    """The Python that should run the macros (pythonw on Windows: no console window)."""
    exe = Path(sys.executable)
    if sys.platform.startswith("win"):
        windowless = exe.with_name("pythonw.exe")
        if windowless.exists():
            return windowless
    return exe


def set_user_config(path: Path, key: str, value: str) -> None:
    """Set ``key`` in an xlwings config file (one ``"KEY","value"`` line each), keeping the rest."""
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    kept = [line for line in lines if line.strip() and line.split(",")[0] != f'"{key}"']
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([*kept, f'"{key}","{value}"']) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ trusted location


@dataclass(frozen=True)
class RegValue:
    """A registry value: its name, type (``REG_SZ`` or ``REG_DWORD``) and data."""

    name: str
    kind: str
    data: str | int


@dataclass(frozen=True)
class TrustPlan:
    """What registering ``folder`` as kpixl's Excel Trusted Location writes: under
    HKEY_CURRENT_USER, each of ``keys`` (one per Office version) gets ``values``.
    ``network``: the folder is on another computer (a UNC path), which Excel trusts
    only with *Allow Trusted Locations on my network* on."""

    folder: PureWindowsPath
    keys: tuple[str, ...]
    values: tuple[RegValue, ...]
    network: bool

    @property
    def path_value(self) -> str:
        return str(next(v.data for v in self.values if v.name == "Path"))


def trust_plan(
    folder: str | PureWindowsPath,
    *,
    versions: Sequence[str] = OFFICE_VERSIONS,
    when: datetime | None = None,
    network: bool | None = None,
) -> TrustPlan:
    """The registry key and values that make ``folder`` (an absolute Windows path) an
    Excel Trusted Location of the current user, subfolders included. ``network``: the
    folder is on another computer (None: a UNC path is; a mapped drive letter must say
    so)."""
    path = PureWindowsPath(folder)
    if not path.is_absolute():
        raise ValueError(f"not an absolute Windows path: {folder}")
    text = str(path).rstrip("\\") + "\\"  # as the Trust Center writes it
    stamp = (when or datetime.now()).strftime("%Y-%m-%d %H:%M")
    keys = tuple(
        _SECURITY.format(version=v) + rf"\Trusted Locations\{TRUST_KEY_NAME}" for v in versions
    )
    values = (
        RegValue("Path", "REG_SZ", text),
        RegValue("AllowSubfolders", "REG_DWORD", 1),
        RegValue("Description", "REG_SZ", TRUST_DESCRIPTION),
        RegValue("Date", "REG_SZ", stamp),
    )
    if network is None:
        network = text.startswith("\\\\")
    return TrustPlan(path, keys, values, network=network)


def trust_changes(
    values: Sequence[RegValue], existing: Mapping[str, object] | None
) -> list[RegValue]:
    """The values to write over ``existing`` (the key's values now, None: no key): those
    missing or different, and ``Date`` only along with another change, so that running
    the install again writes nothing. Value names are matched as Windows does (any
    case)."""
    have = {k.casefold(): v for k, v in (existing or {}).items()}
    changed = [v for v in values if v.name != "Date" and have.get(v.name.casefold()) != v.data]
    if not changed:
        return []
    return changed + [v for v in values if v.name == "Date"]


_BROAD = ("documents", "desktop", "downloads", "onedrive")


def too_broad(folder: PurePath, home: PurePath) -> bool:
    """A folder too broad to trust: a drive or share root, the profile or a folder above
    it, a Documents, Desktop or OneDrive folder itself, or anything in Downloads
    (Microsoft: never trust where downloads land)."""
    parts = [p.rstrip("\\/").casefold() for p in folder.parts]
    home_parts = [p.rstrip("\\/").casefold() for p in home.parts]
    if len(parts) <= 1 or home_parts[: len(parts)] == parts:
        return True
    return parts[-1] in _BROAD or "downloads" in parts


_SYNCED = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")  # the sync clients' roots


def choose_trusted_folder(
    home: PurePath, documents: PurePath, synced: Sequence[PurePath] = ()
) -> PurePath:
    """``kpixl`` in ``documents``, unless Documents is synced to the cloud (inside one of
    ``synced``, OneDrive's folders) or on a server: then ``kpixl`` in the profile
    ``home``. A synced or network folder is the wrong place to trust: others' changes
    arrive there, Excel opens a synced file by its web address (AutoSave), and a
    network folder needs *Allow Trusted Locations on my network*."""

    def inside(path: PurePath, root: PurePath) -> bool:
        a = [p.rstrip("\\/").casefold() for p in path.parts]
        b = [p.rstrip("\\/").casefold() for p in root.parts]
        return a[: len(b)] == b

    network = str(documents).startswith(("\\\\", "//"))
    if network or any(inside(documents, root) for root in synced if root.parts):
        return home / "kpixl"
    return documents / "kpixl"


def default_trusted_folder() -> Path:
    """:func:`choose_trusted_folder` for this user: Documents as Windows' *User Shell
    Folders* has it (where Windows or OneDrive moved it), OneDrive's folders from the
    environment."""
    documents = Path.home() / "Documents"
    if sys.platform == "win32":
        import winreg

        shell = r"Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders"
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, shell) as key:
                value, _ = winreg.QueryValueEx(key, "Personal")
            documents = Path(os.path.expandvars(str(value)))
        except OSError:  # no such value: the profile's Documents
            pass
    synced = [Path(os.environ[name]) for name in _SYNCED if os.environ.get(name)]
    return Path(choose_trusted_folder(Path.home(), documents, synced))


def _reg_value(hive: int, key: str, name: str) -> object:
    """A registry value's data (Windows), None where the key or value is missing."""
    if sys.platform != "win32":
        return None
    import winreg

    try:
        with winreg.OpenKey(hive, key) as k:
            return winreg.QueryValueEx(k, name)[0]
    except OSError:
        return None


def trust_notes(version: str, *, network: bool) -> list[str]:
    """What Office policy and the user's settings say against a Trusted Location
    (Windows; elsewhere nothing): user locations switched off by policy, every location
    switched off, a network folder without *Allow Trusted Locations on my network*."""
    if sys.platform != "win32":
        return []
    import winreg

    hkcu, hklm = winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE
    policies = _POLICIES.format(version=version)
    common = rf"{policies}\Common\Security\Trusted Locations"
    excel = rf"{policies}\Excel\Security\Trusted Locations"
    mine = _SECURITY.format(version=version) + r"\Trusted Locations"
    hives = (hkcu, hklm)
    notes = []
    if any(_reg_value(h, common, "Allow User Locations") == 0 for h in hives):
        notes.append(
            "✗ นโยบายของหน่วยงาน (Group Policy) ไม่ให้ผู้ใช้กำหนด Trusted Location เอง Excel จึงไม่ใช้"
            " โฟลเดอร์นี้ ให้ผู้ดูแลระบบเพิ่มโฟลเดอร์ผ่านนโยบาย หรือปลดบล็อกทีละไฟล์ (Properties › Unblock)"
            " / Office policy forbids user Trusted Locations, so Excel ignores this one: ask IT"
            " to add the folder by policy, or unblock each file (Properties › Unblock)"
        )
    if any(_reg_value(h, excel, "AllLocationsDisabled") == 1 for h in hives):
        notes.append(
            "✗ นโยบายของหน่วยงานปิด Trusted Location ทั้งหมดของ Excel"
            " / Office policy switches every Excel Trusted Location off"
        )
    allowed = [_reg_value(h, k, "AllowNetworkLocations") for h, k in ((hkcu, excel), (hkcu, mine))]
    if network and 1 not in allowed:
        notes.append(
            "• โฟลเดอร์นี้อยู่บนเครือข่าย: Excel เชื่อถือก็ต่อเมื่อเลือก Trust Center › Trusted Locations ›"
            ' "Allow Trusted Locations on my network" (AllowNetworkLocations) ซึ่ง kpixl ไม่เปลี่ยนให้'
            " (จะมีผลกับทุกโฟลเดอร์เครือข่าย) / a network folder: Excel trusts it only with 'Allow"
            " Trusted Locations on my network' on, which kpixl leaves to you (it applies to every"
            " network location)"
        )
    return notes


def register_trusted_location(plan: TrustPlan) -> list[str]:
    """Write ``plan`` into HKEY_CURRENT_USER (Windows only): only kpixl's own key, only
    the values that differ. The lines to show."""
    if sys.platform != "win32":
        raise OSError("Trusted Locations are registered on Windows only")
    import winreg

    kinds = {"REG_SZ": winreg.REG_SZ, "REG_DWORD": winreg.REG_DWORD}
    lines = []
    for name in plan.keys:
        access = winreg.KEY_READ | winreg.KEY_WRITE
        with winreg.CreateKeyEx(winreg.HKEY_CURRENT_USER, name, 0, access) as key:
            existing: dict[str, object] = {}
            for i in range(winreg.QueryInfoKey(key)[1]):
                value_name, data, _ = winreg.EnumValue(key, i)
                existing[value_name] = data
            changes = trust_changes(plan.values, existing)
            for v in changes:
                winreg.SetValueEx(key, v.name, 0, kinds[v.kind], v.data)
        state = "ลงทะเบียนแล้ว / registered" if changes else "มีอยู่แล้ว / already registered"
        lines.append(f"✓ Trusted Location {plan.path_value} ({state}: HKCU\\{name})")
        lines += trust_notes(name.split("\\")[3], network=plan.network)
    return lines


def check_trusted_folder(folder: Path) -> None:
    """Refuse a folder :func:`too_broad` to trust (an :class:`InputError`)."""
    if too_broad(folder.absolute(), Path.home()):
        raise InputError(
            f"{folder} is too broad to be a Trusted Location (a drive, the profile, Documents,"
            " Desktop, Downloads): give a folder of its own, such as Documents\\kpixl",
            f"{folder} กว้างเกินกว่าจะเป็น Trusted Location (ทั้งไดรฟ์ โฟลเดอร์ผู้ใช้ Documents Desktop"
            " หรือ Downloads) ให้ระบุโฟลเดอร์เฉพาะ เช่น Documents\\kpixl",
        )


def _trust_lines(folder: Path) -> list[str]:
    """Create ``folder`` and register it (Windows); elsewhere, say what Windows gets."""
    if sys.platform != "win32":
        plan = trust_plan(PureWindowsPath(r"C:\Users\<user>\Documents\kpixl"))
        values = ", ".join(f"{v.name} ({v.kind})" for v in plan.values)
        return [
            "• Trusted Location: ลงทะเบียนได้เฉพาะบน Windows (บนเครื่องที่มี Excel คำสั่งนี้สร้างโฟลเดอร์"
            " Documents\\kpixl หรือ %USERPROFILE%\\kpixl เมื่อ OneDrive ซิงก์ Documents และลงทะเบียนไว้)"
            " / registered on Windows only; there this creates Documents\\kpixl (or"
            " %USERPROFILE%\\kpixl where OneDrive syncs Documents) and writes"
            f" HKCU\\{plan.keys[0]}: {values}"
        ]
    folder = folder.absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remote = os.path.realpath(folder).startswith("\\\\")  # a mapped network drive too
        lines = [f"✓ {folder}", *register_trusted_location(trust_plan(str(folder), network=remote))]
    except OSError as exc:  # a folder or registry key the user may not write
        return [
            f"✗ Trusted Location {folder}: สร้างหรือลงทะเบียนไม่ได้ ({exc}) ให้ผู้ดูแลระบบช่วย"
            " หรือปลดบล็อกทีละไฟล์ (Properties › Unblock; docs/windows.md)"
            f" / could not create or register it ({exc}): ask IT, or unblock each file"
        ]
    lines.append(
        "  บันทึกสมุดงาน .xlsm ที่ได้รับทางอีเมล (เช่น สมุดงานหน่วยงาน) ลงในโฟลเดอร์นี้ก่อนเปิด ปุ่มคำสั่งจึงทำงาน"
        " (Excel ปิดกั้นแมโครของไฟล์จากอีเมลที่เปิดจากที่อื่น) / save an e-mailed .xlsm (a unit"
        " workbook) into this folder before opening it: its buttons run there (Excel blocks"
        " the macros of e-mailed files opened anywhere else)"
    )
    return lines


def install(
    out: Path | None,
    config_file: Path | None = None,
    *,
    trust: bool = True,
    trusted_folder: Path | None = None,
) -> list[str]:
    """Write the interpreter setting, copy the .xlsm templates to ``out``, create and
    register the Trusted Location (``trust``; Windows); the lines to show."""
    from kpixl.io.atomic import write_bytes_atomic
    from kpixl.workbooks.templates import template_bytes

    folder = (trusted_folder or default_trusted_folder()) if trust else None
    if folder is not None:
        check_trusted_folder(folder)  # before anything is written
    if config_file is None:
        config_file = Path.home() / ".xlwings" / "xlwings.conf"
    key = "INTERPRETER_MAC" if sys.platform == "darwin" else "INTERPRETER_WIN"
    set_user_config(config_file, key, str(interpreter()))
    lines = [f"✓ {config_file}: {key} = {interpreter()}"]
    master = "master.xlsm"
    if out is not None:
        for name in ("master.xlsm", "unit.xlsm"):
            target = out / name
            if target.exists():
                lines.append(f"• {target} มีอยู่แล้ว ไม่เขียนทับ / exists, left as it is")
                continue
            write_bytes_atomic(target, template_bytes(name))
            lines.append(f"✓ {target}")
        master = str(out / "master.xlsm")
    if folder is not None:
        lines += _trust_lines(folder)
    if not sys.platform.startswith(("win", "darwin")):
        lines.append(
            "เครื่องนี้ไม่ใช่ Windows/macOS: Excel ใช้ที่นี่ไม่ได้ ให้ทำตามขั้นตอนบนเครื่องที่มี Excel"
            " / not Windows or macOS: follow these steps on the PC that runs Excel"
        )
    lines.append(STEPS.format(master=master))
    return lines
