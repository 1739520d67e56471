"""LibreOffice's conversions map TH SarabunPSK to Laksaman (issue 15, item 4).

Where TH SarabunPSK is not installed, a PDF of kpixl's forms keeps its layout because
Laksaman, TLWG's metric-compatible version of it, takes its place: each conversion runs
soffice with a private fontconfig file that includes the caller's (or the system's) and
adds the alias, for the soffice process only. Debian's fonts-thai-tlwg ships such an
alias itself; the tests start LibreOffice under a fontconfig without it (as on a machine
where the TLWG fonts were copied in without their configuration), where the font a PDF
gets is the alias's doing alone.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from openpyxl.styles import Font

from kpixl.io import libreoffice
from kpixl.io.libreoffice import FONT_ALIASES, convert, fonts_conf, soffice

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")


def test_the_private_fonts_conf_includes_the_base_and_adds_the_aliases() -> None:
    root = ElementTree.fromstring(
        fonts_conf("/etc/fonts/fonts.conf").split("?>", 1)[1].split(">", 1)[1]
    )
    includes = [e.text for e in root.iter("include")]
    assert includes == ["/etc/fonts/fonts.conf"]
    aliases = {
        a.find("family").text: [f.text for f in a.iter("family")][1:]  # type: ignore[union-attr]
        for a in root.iter("alias")
    }
    assert aliases == {name: [stand_in] for name, stand_in in FONT_ALIASES.items()}
    assert aliases["TH SarabunPSK"] == ["Laksaman"]
    # "accept": the stand-in comes after the named font, so an installed original wins
    assert all(a.find("accept") is not None for a in root.iter("alias"))


def test_the_callers_fontconfig_is_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FONTCONFIG_FILE", "/opt/agency/fonts.conf")
    assert '<include ignore_missing="yes">/opt/agency/fonts.conf</include>' in fonts_conf()
    monkeypatch.delenv("FONTCONFIG_FILE")
    assert libreoffice.SYSTEM_FONTS_CONF in fonts_conf()


def sarabun_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ผลการประเมินผลการปฏิบัติราชการ รอบที่ ๑"
    ws["A1"].font = Font(name="TH SarabunPSK", size=16)
    ws["A2"] = "นางสาวสมหญิง ศรีสุข ดีเด่น 95.50"
    ws["A2"].font = Font(name="TH SarabunPSK", size=14, bold=True)
    wb.save(path)
    return path


def embedded_fonts(pdf: Path) -> set[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return {line.split()[0].split("+")[-1] for line in out.stdout.splitlines()[2:]}


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_pdf_in_th_sarabunpsk_gets_laksaman_where_sarabun_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a fontconfig that knows the fonts but no alias (TH SarabunPSK missing),
    LibreOffice alone picks some other Thai font (Norasi on Debian); kpixl's conversion
    gives Laksaman, and leaves the caller's environment as it was."""
    dirs = "".join(f"<dir>{d}</dir>" for d in FONT_DIRS if Path(d).is_dir())
    bare = tmp_path / "bare-fonts.conf"
    bare.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(bare))
    found = subprocess.run(
        ["fc-list", "TH SarabunPSK"], capture_output=True, text=True, check=False
    ).stdout.strip()
    (pdf,) = convert([sarabun_workbook(tmp_path / "form.xlsx")], tmp_path / "pdf", to="pdf")
    fonts = embedded_fonts(pdf)
    expected = {"THSarabunPSK", "THSarabunPSK-Bold"} if found else {"Laksaman", "Laksaman-Bold"}
    assert fonts == expected
    assert os.environ["FONTCONFIG_FILE"] == str(bare)  # set for soffice only
