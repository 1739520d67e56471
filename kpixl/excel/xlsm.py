"""``templates/master.xlsm`` and ``templates/unit.xlsm``: the .xlsx templates plus buttons.

Each is its .xlsx template (built by code, see ``kpixl templates build``) with:

* the VBA project of :mod:`kpixl.excel.vba`: xlwings' standalone VBA and a ``kpixl``
  module whose subs call the Python macros with ``RunPython``;
* form-control buttons (legacy VML, as Excel writes them) that run those subs, on the
  sheet HR or the unit head works from (the master's Config, the unit's บุคลากร);
* an ``xlwings.conf`` sheet naming the UDF module (the interpreter comes from the
  user's ``~/.xlwings/xlwings.conf``, written by ``kpixl excel install``).

Everything is assembled at the package level, so the bytes are reproducible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from kpixl.excel.vba import Module, project_bytes, standalone_modules
from kpixl.io.cell_text import xml_text
from kpixl.io.xlsx_package import Package
from kpixl.workbooks import master_layout as M
from kpixl.workbooks import unit_layout as U

__all__ = ["MASTER_BUTTONS", "UNIT_BUTTONS", "Button", "kpixl_module", "xlsm_bytes"]

CONF_SHEET = "xlwings.conf"
UDF_MODULE = "kpixl.excel.udfs"


@dataclass(frozen=True)
class Button:
    sub: str  # the VBA sub the button runs
    caption: str  # Thai first
    python: str | None  # the kpixl.excel.macros function it calls (None: an xlwings sub)


MASTER_BUTTONS = (
    Button("KpixlConsolidate", "รวมผลทั้งองค์กร (Consolidate)", "consolidate"),
    Button("KpixlReports", "ตรวจการถ่ายทอดตัวชี้วัด (Reports)", "reports"),
    Button("KpixlNewRound", "สร้างแบบข้อตกลงรอบใหม่ (New round)", "new_round"),
    Button("KpixlSeal", "ลงนามข้อตกลงทั้งหมด (Seal)", "seal"),
    Button("KpixlSendForms", "ส่งแบบฟอร์ม (Send forms)", "send_forms"),
    Button("KpixlFetchForms", "รับแบบฟอร์ม (Fetch forms)", "fetch_forms"),
    Button("KpixlStatus", "สถานะ (Status)", "status"),
    Button("ImportPythonUDFs", "นำเข้าฟังก์ชัน KPIXL_ (Import functions)", None),
)
UNIT_BUTTONS = (
    Button("KpixlCollect", "รวบรวมแบบประเมินรายบุคคล (Collect)", "collect"),
    Button("KpixlAllocate", "เสนอร้อยละการเลื่อน (Allocate)", "allocate"),
)

_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_VML_REL = f"{_REL}/vmlDrawing"
_SHEET_REL = f"{_REL}/worksheet"
_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def kpixl_module(buttons: tuple[Button, ...]) -> Module:
    """The ``kpixl`` VBA module: one sub per button, each a single ``RunPython`` call."""
    lines = [
        'Attribute VB_Name = "kpixl"',
        "' kpixl: each button runs the Python macro of the same name (kpixl.excel.macros).",
        "' Built by kpixl; edits are lost when the template is rebuilt.",
        "Option Explicit",
        "",
    ]
    for b in buttons:
        if b.python is None:
            continue
        lines += [
            f"Sub {b.sub}()",
            f'    RunPython "import kpixl.excel.macros as m; m.{b.python}()"',
            "End Sub",
            "",
        ]
    return Module("kpixl", "standard", "\r\n".join(lines))


def _modules(sheet_count: int, buttons: tuple[Button, ...]) -> list[Module]:
    shipped = {m.name: m for m in standalone_modules()[0]}
    sheet = shipped["Sheet1"].source
    modules = [shipped["ThisWorkbook"]]
    for i in range(1, sheet_count + 1):
        modules.append(Module(f"Sheet{i}", "document", sheet.replace('"Sheet1"', f'"Sheet{i}"')))
    return [*modules, shipped["xlwings"], shipped["Dictionary"], kpixl_module(buttons)]


def _code_name(xml: str, name: str) -> str:
    if re.search(r"<sheetPr\b", xml):
        return re.sub(r"<sheetPr\b", f'<sheetPr codeName="{name}"', xml, count=1)
    return re.sub(r"(<worksheet\b[^>]*>)", rf'\1<sheetPr codeName="{name}"/>', xml, count=1)


def _vml(buttons: tuple[Button, ...], column: int, first_row: int) -> str:
    """Buttons stacked down from (column, first_row), 0-based, each two rows tall."""
    shapes = []
    for i, b in enumerate(buttons):
        row = first_row + i * 2
        anchor = f"{column}, 8, {row}, 4, {column + 2}, 0, {row + 2}, 0"
        shapes.append(
            f'<v:shape id="_x0000_s{1025 + i}" type="#_x0000_t201" style="position:absolute;'
            f"margin-left:0;margin-top:0;width:240pt;height:36pt;z-index:{i + 1};"
            'mso-wrap-style:tight" o:button="t" fillcolor="buttonFace [67]" '
            'strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
            '<o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
            '<div style="text-align:center"><font face="Tahoma" size="200" color="#000000">'
            f"{escape(b.caption)}</font></div></v:textbox>"
            f'<x:ClientData ObjectType="Button"><x:Anchor>{anchor}</x:Anchor>'
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>[0]!{b.sub}</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>"
            "<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
        'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel">'
        '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="1"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
        '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/>'
        '<o:lock v:ext="edit" shapetype="t"/></v:shapetype>' + "".join(shapes) + "</xml>"
    )


_AFTER_LEGACY = (
    "<legacyDrawingHF",
    "<picture",
    "<oleObjects",
    "<controls",
    "<webPublishItems",
    "<tableParts",
    "<extLst",
    "</worksheet>",
)


def _with_legacy_drawing(xml: str, rid: str) -> str:
    if "xmlns:r=" not in xml.split(">", 1)[0]:
        xml = xml.replace("<worksheet ", f'<worksheet xmlns:r="{_REL}" ', 1)
    at = min(i for tag in _AFTER_LEGACY if (i := xml.find(tag)) >= 0)
    return xml[:at] + f'<legacyDrawing r:id="{rid}"/>' + xml[at:]


def _conf_sheet(code_name: str) -> str:
    rows = [
        ("UDF Modules", UDF_MODULE),
        ("Debug UDFs", False),
        ("Use UDF Server", False),
        ("Show Console", False),
    ]
    cells = []
    for r, (key, value) in enumerate(rows, start=1):
        text = "TRUE" if value is True else "FALSE" if value is False else None
        second = (
            f'<c r="B{r}" t="b"><v>{1 if value else 0}</v></c>'
            if text
            else f'<c r="B{r}" t="inlineStr"><is><t>{xml_text(str(value))}</t></is></c>'
        )
        cells.append(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{xml_text(key)}</t></is></c>{second}</row>'
        )
    note = (
        "ตั้งค่า xlwings ของสมุดงานนี้ (ตัวแปลภาษา Python มาจาก ~/.xlwings/xlwings.conf ที่ "
        "kpixl excel install เขียนให้) / xlwings settings of this workbook"
    )
    cells.append(
        f'<row r="{len(rows) + 2}"><c r="A{len(rows) + 2}" t="inlineStr"><is><t>'
        f"{xml_text(note)}</t></is></c></row>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetPr codeName="{code_name}"/><dimension ref="A1:B{len(rows) + 2}"/>'
        '<cols><col min="1" max="1" width="22" customWidth="1"/>'
        '<col min="2" max="2" width="30" customWidth="1"/></cols>'
        f"<sheetData>{''.join(cells)}</sheetData></worksheet>"
    )


def xlsm_bytes(
    xlsx: bytes, *, sheet: str, buttons: tuple[Button, ...], anchor: tuple[int, int]
) -> bytes:
    """``xlsx`` as a macro-enabled workbook with ``buttons`` on ``sheet`` at ``anchor``
    (0-based column, row)."""
    package = Package.read(xlsx)
    parts = dict(package.parts)
    order = list(package.order)
    sheets = package.sheets  # name → part, in workbook order
    changed: dict[str, str] = {}
    for i, (_, part) in enumerate(sheets.items(), start=1):
        changed[part] = _code_name(parts[part].decode("utf-8"), f"Sheet{i}")
    # the buttons: a VML drawing related to the sheet
    target = sheets[sheet]
    rels_part = target.replace("worksheets/", "worksheets/_rels/") + ".rels"
    vml_part = "xl/drawings/vmlDrawingKpixl.vml"
    rels = parts.get(rels_part, b"").decode("utf-8") or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        "</Relationships>"
    )
    rid = "rIdKpixlButtons"
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{rid}" Type="{_VML_REL}" Target="../drawings/vmlDrawingKpixl.vml"/>'
        "</Relationships>",
    )
    changed[target] = _with_legacy_drawing(changed[target], rid)
    parts[vml_part] = _vml(buttons, *anchor).encode("utf-8")
    parts[rels_part] = rels.encode("utf-8")
    # the xlwings.conf sheet, last
    conf_part = f"xl/worksheets/sheet{len(sheets) + 1}.xml"
    parts[conf_part] = _conf_sheet(f"Sheet{len(sheets) + 1}").encode("utf-8")
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    sheet_id = max(int(v) for v in re.findall(r'sheetId="(\d+)"', workbook)) + 1
    workbook = workbook.replace(
        "</sheets>",
        f'<sheet name="{CONF_SHEET}" sheetId="{sheet_id}" r:id="rIdKpixlConf"/></sheets>',
    )
    workbook = re.sub(r"<workbookPr\b", '<workbookPr codeName="ThisWorkbook"', workbook, count=1)
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    wb_rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    wb_rels = wb_rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdKpixlConf" Type="{_SHEET_REL}" '
        f'Target="{conf_part.removeprefix("xl/")}"/>'
        f'<Relationship Id="rIdKpixlVba" Type="{_VBA_REL}" Target="vbaProject.bin"/>'
        "</Relationships>",
    )
    parts["xl/_rels/workbook.xml.rels"] = wb_rels.encode("utf-8")
    parts["xl/vbaProject.bin"] = project_bytes(_modules(len(sheets) + 1, buttons))
    types = parts["[Content_Types].xml"].decode("utf-8").replace(_SHEET_MAIN, _MACRO_MAIN)
    defaults = ""
    for ext, ctype in (
        ("bin", "application/vnd.ms-office.vbaProject"),
        ("vml", "application/vnd.openxmlformats-officedocument.vmlDrawing"),
    ):
        if f'Extension="{ext}"' not in types:
            defaults += f'<Default Extension="{ext}" ContentType="{ctype}"/>'
    types = re.sub(r"(<Types\b[^>]*>)", rf"\1{defaults}", types, count=1)
    types = types.replace(
        "</Types>", f'<Override PartName="/{conf_part}" ContentType="{_SHEET_TYPE}"/></Types>'
    )
    parts["[Content_Types].xml"] = types.encode("utf-8")
    for part, xml in changed.items():
        parts[part] = xml.encode("utf-8")
    for part in (vml_part, rels_part, conf_part, "xl/vbaProject.bin"):
        if part not in order:
            order.append(part)
    return Package(parts, order).to_bytes()


def master_xlsm(xlsx: bytes) -> bytes:
    return xlsm_bytes(xlsx, sheet=M.CONFIG, buttons=MASTER_BUTTONS, anchor=(4, 2))


def unit_xlsm(xlsx: bytes) -> bytes:
    return xlsm_bytes(xlsx, sheet=U.PEOPLE, buttons=UNIT_BUTTONS, anchor=(9, 0))
