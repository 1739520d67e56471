"""LibreOffice headless: recalculate workbooks and render them to PDF.

Used by the tests (an independent engine checks the native formulas), by ``kpixl
report --pdf`` and by anyone who wants print-ready PDFs without Excel. Each call uses
its own throw-away profile so that parallel runs and a desktop LibreOffice do not
interfere.

Fonts: kpixl's forms are set in TH SarabunPSK, the Thai government font, which most
Linux machines do not have. Each conversion runs soffice with a private fontconfig file
(``FONTCONFIG_FILE``, for that process only) that includes the system's configuration
and adds an alias: TH SarabunPSK (and TH Sarabun New) → Laksaman, TLWG's free,
metric-compatible version of it (Debian's ``fonts-thai-tlwg``). Where TH SarabunPSK is
installed it stays first and is used; elsewhere Laksaman takes its place, so the pages
keep their layout instead of falling back to a wider font. Windows and macOS builds of
LibreOffice do not read fontconfig; the file does nothing there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = [
    "FONT_ALIASES",
    "LibreOfficeError",
    "convert",
    "failure_reason",
    "fonts_conf",
    "render_pdf",
    "soffice",
]

# a font the forms name → the free font with the same metrics that stands in for it
FONT_ALIASES: Mapping[str, str] = {
    "TH SarabunPSK": "Laksaman",
    "TH Sarabun New": "Laksaman",
}
SYSTEM_FONTS_CONF = "/etc/fonts/fonts.conf"


# the profile's setting: recalculate every workbook on load (0 = always), also one that
# carries cached values (LibreOffice's default keeps an .xlsx file's cached values)
_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing or a conversion failed."""


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf(base: str | None = None) -> str:
    """A fontconfig file: ``base`` (the caller's ``FONTCONFIG_FILE``, else the system's
    ``/etc/fonts/fonts.conf``) included, then :data:`FONT_ALIASES` as ``accept`` aliases
    (the stand-in comes right after the named font, so an installed original wins)."""
    base = base or os.environ.get("FONTCONFIG_FILE") or SYSTEM_FONTS_CONF
    aliases = "".join(
        f'  <alias binding="same"><family>{escape(name)}</family>'
        f"<accept><family>{escape(stand_in)}</family></accept></alias>\n"
        for name, stand_in in FONT_ALIASES.items()
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f'  <include ignore_missing="yes">{escape(base)}</include>\n'
        f"{aliases}</fontconfig>\n"
    )


def convert(
    files: Sequence[str | Path], outdir: str | Path, *, to: str = "xlsx", timeout: float = 600
) -> list[Path]:
    """Convert ``files`` with LibreOffice (``xlsx`` recalculates every formula, also one
    that carries a cached value; ``pdf`` renders).

    Returns the output paths, in the order of ``files``. TH SarabunPSK is mapped to
    Laksaman when it is not installed (see the module doc).
    """
    binary = soffice()
    if binary is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    target = 'xlsx:"Calc MS Excel 2007 XML"' if to == "xlsx" else to
    with tempfile.TemporaryDirectory(prefix="kpixl-lo-") as profile:
        conf = Path(profile) / "fonts.conf"
        conf.write_text(fonts_conf(), encoding="utf-8")
        user = Path(profile) / "lo" / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE, encoding="utf-8")
        command = [
            binary,
            f"-env:UserInstallation={Path(profile).as_uri()}/lo",
            "--headless",
            "--norestore",
            "--convert-to",
            target.replace('"', ""),
            "--outdir",
            str(outdir),
            *[str(f) for f in files],
        ]
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "FONTCONFIG_FILE": str(conf)},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LibreOfficeError(f"LibreOffice failed: {exc}") from exc
    outputs = [outdir / (Path(f).stem + "." + to) for f in files]
    missing = [p for p in outputs if not p.exists()]
    if result.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed (exit {result.returncode}); missing {missing}: {result.stderr[-2000:]}"
        )
    return outputs


def render_pdf(workbook: str | Path, pdf: str | Path) -> Path:
    """``workbook`` printed to ``pdf``, written atomically: LibreOfficeError when it
    cannot be rendered, FileWriteError when ``pdf`` cannot be written."""
    from kpixl.io.atomic import write_bytes_atomic

    with tempfile.TemporaryDirectory(prefix="kpixl-pdf-") as tmp:
        (made,) = convert([workbook], tmp, to="pdf")
        write_bytes_atomic(Path(pdf), made.read_bytes())
    return Path(pdf)


def failure_reason(exc: LibreOfficeError) -> tuple[str, str]:
    """Why a conversion failed, for a finding's ``why`` (Thai) and ``why_en``."""
    missing = "not installed" in str(exc)
    th = "ไม่พบโปรแกรม LibreOffice (soffice)" if missing else "LibreOffice ทำงานไม่สำเร็จ"
    return th, str(exc)[:300]
