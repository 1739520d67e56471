"""``kpixl excel install``: get a Windows (or macOS) PC ready for the kpixl buttons.

The .xlsm templates carry xlwings' standalone VBA, so no add-in is needed; Excel only
has to know which Python runs the macros. That lives in the user's xlwings config file
(``~/.xlwings/xlwings.conf``: ``"INTERPRETER_WIN","C:\\...\\pythonw.exe"``), which the
workbooks' xlwings.conf sheet falls back to.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["STEPS", "install", "interpreter", "set_user_config"]

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


def install(out: Path | None, config_file: Path | None = None) -> list[str]:
    """Write the interpreter setting, copy the .xlsm templates to ``out``; the lines to show."""
    from kpixl.io.atomic import write_bytes_atomic
    from kpixl.workbooks.templates import template_bytes

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
    if not sys.platform.startswith(("win", "darwin")):
        lines.append(
            "เครื่องนี้ไม่ใช่ Windows/macOS: Excel ใช้ที่นี่ไม่ได้ ให้ทำตามขั้นตอนบนเครื่องที่มี Excel"
            " / not Windows or macOS: follow these steps on the PC that runs Excel"
        )
    lines.append(STEPS.format(master=master))
    return lines
