"""Copying one sheet from a workbook package into another, by patching the package.

A personal workbook comes back to its owner with a result notice added as a new sheet
(:mod:`kpixl.jobs.notices`). Loading the workbook with openpyxl and saving it again would
rewrite every part and may drop what openpyxl does not model (extensions of data
validations and conditional formats, custom XML, the VBA of an .xlsm); instead the
notice is built as a workbook of its own and its sheet is grafted into a copy of the
person's package. Every part of the person's workbook stays as it was, byte for byte
(its compressed streams are carried over), except:

- ``xl/workbook.xml``: one ``<sheet>`` added at the end of ``<sheets>`` (so every
  ``localSheetId`` of a defined name keeps pointing at its sheet);
- ``xl/_rels/workbook.xml.rels``: one relationship to the new part;
- ``[Content_Types].xml``: the new part's content type;
- ``xl/styles.xml``: the grafted sheet's fonts, fills, borders, number formats and cell
  formats appended after the workbook's own (no existing index changes);
- the new sheet part itself, its ``s="…"`` style indices moved to the appended formats,
  its shared strings written inline, and no tab selected (two selected tabs would group
  the sheets in Excel).

A sheet of the same name already there is replaced in place (the workbook was given a
notice before). What cannot be done (a package of a shape this module does not know)
raises :class:`SheetCopyError`, a ``ValueError``, never a half-made package.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from kpixl.io.xlsx_package import Package, sheet_parts

__all__ = ["SheetCopyError", "add_sheet", "copy_sheet", "graft_sheet"]

WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKSHEET_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_LISTS = ("numFmts", "fonts", "fills", "borders", "cellXfs")
_ITEM = {
    "numFmts": "numFmt",
    "fonts": "font",
    "fills": "fill",
    "borders": "border",
    "cellXfs": "xf",
}
_FIRST_CUSTOM_FORMAT = 164  # number formats below this id are Excel's built-in ones


class SheetCopyError(ValueError):
    """The sheet cannot be copied (a package of a shape this module does not know)."""


def _list(styles: str, name: str) -> tuple[re.Match[str] | None, list[str]]:
    """The ``<name>`` list of a styles part and its items (each item's whole XML)."""
    match = re.search(rf"<{name}\b[^>]*?(?:/>|>(.*?)</{name}>)", styles, re.S)
    if match is None:
        return None, []
    item = _ITEM[name]
    body = match.group(1) or ""
    return match, [
        m.group(0) for m in re.finditer(rf"<{item}\b[^>]*?(?:/>|>.*?</{item}>)", body, re.S)
    ]


def _with_list(styles: str, name: str, items: list[str], before: str) -> str:
    """``styles`` with its ``<name>`` list holding ``items`` (made before ``before`` when
    missing)."""
    match, _ = _list(styles, name)
    if match is not None:  # its own attributes kept, the count set
        head = re.match(rf"<{name}\b([^>]*?)/?>", match.group(0))
        attrs = re.sub(r'\s*\bcount="\d*"', "", head.group(1) if head else "").rstrip()
        xml = f'<{name}{attrs} count="{len(items)}">{"".join(items)}</{name}>'
        return styles[: match.start()] + xml + styles[match.end() :]
    xml = f'<{name} count="{len(items)}">{"".join(items)}</{name}>'
    at = styles.find(f"<{before}")
    if at < 0:
        raise SheetCopyError(f"styles.xml has no <{name}> and no <{before}>")
    return styles[:at] + xml + styles[at:]


def _set(attrs: str, name: str, value: int) -> str:
    pattern = rf'\b{name}="\d+"'
    if re.search(pattern, attrs):
        return re.sub(pattern, f'{name}="{value}"', attrs)
    return f'{attrs} {name}="{value}"'


def merge_styles(target: str, source: str, *, reuse: bool = False) -> tuple[str, dict[int, int]]:
    """``target`` styles with ``source``'s cell formats appended (with the fonts, fills,
    borders and number formats they use), and each source format's new index.
    ``reuse``: a font, fill, border or cell format the target already has (the same
    XML) is used, not appended again (merging the same source twice changes nothing)."""
    own = {name: _list(target, name)[1] for name in _LISTS}
    theirs = {name: _list(source, name)[1] for name in _LISTS}
    if not own["cellXfs"] or not own["fonts"]:
        raise SheetCopyError("the workbook's styles.xml has no cell formats")
    # number formats: the same code reuses its id, a new one gets the next free id
    codes = {}
    for fmt in own["numFmts"]:
        code = re.search(r'formatCode="([^"]*)"', fmt)
        ident = re.search(r'numFmtId="(\d+)"', fmt)
        if code and ident:
            codes[code.group(1)] = int(ident.group(1))
    next_id = max([_FIRST_CUSTOM_FORMAT - 1, *codes.values()]) + 1
    formats: dict[int, int] = {}
    for fmt in theirs["numFmts"]:
        code = re.search(r'formatCode="([^"]*)"', fmt)
        ident = re.search(r'numFmtId="(\d+)"', fmt)
        if not (code and ident):
            continue
        if code.group(1) not in codes:
            codes[code.group(1)] = next_id
            own["numFmts"].append(f'<numFmt numFmtId="{next_id}" formatCode="{code.group(1)}"/>')
            next_id += 1
        formats[int(ident.group(1))] = codes[code.group(1)]

    def placed(name: str, item: str) -> int:
        if reuse and item in own[name]:
            return own[name].index(item)
        own[name].append(item)
        return len(own[name]) - 1

    moved = {
        name: [placed(name, item) for item in theirs[name]]
        for name in ("fonts", "fills", "borders")
    }
    indices: dict[int, int] = {}
    for i, xf in enumerate(theirs["cellXfs"]):
        head = re.match(r"<xf\b([^>]*?)(/?>)", xf, re.S)
        if head is None:
            continue
        attrs = head.group(1)
        for attr, lst in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            value = re.search(rf'\b{attr}="(\d+)"', attrs)
            index = int(value.group(1)) if value else 0
            attrs = _set(attrs, attr, moved[lst][index] if index < len(moved[lst]) else 0)
        number = re.search(r'\bnumFmtId="(\d+)"', attrs)
        if number is not None:
            attrs = _set(attrs, "numFmtId", formats.get(int(number.group(1)), int(number.group(1))))
        attrs = _set(attrs, "xfId", 0)  # the workbook's own Normal style
        indices[i] = placed("cellXfs", f"<xf{attrs}{head.group(2)}{xf[head.end() :]}")
    out = target
    out = _with_list(out, "numFmts", own["numFmts"], "fonts") if own["numFmts"] else out
    for name in ("fonts", "fills", "borders", "cellXfs"):
        out = _with_list(out, name, own[name], "cellXfs")
    return out, indices


def _shared_strings(parts: Mapping[str, bytes]) -> list[str]:
    data = parts.get("xl/sharedStrings.xml")
    if data is None:
        return []
    body = data.decode("utf-8")
    return [m.group(1) for m in re.finditer(r"<si>(.*?)</si>", body, re.S)]


def _sheet_xml(xml: str, styles: Mapping[int, int], strings: list[str]) -> str:
    """The source sheet as the target holds it: styles moved, strings inline, no tab
    selected."""

    def cell(m: re.Match[str]) -> str:
        attrs, body = m.group(1), m.group(2)
        style = re.search(r'\ss="(\d+)"', attrs)
        if style is not None:
            attrs = attrs.replace(style.group(0), f' s="{styles.get(int(style.group(1)), 0)}"')
        if re.search(r'\st="s"', attrs) and body is not None:
            index = re.search(r"<v>(\d+)</v>", body)
            if index is None or int(index.group(1)) >= len(strings):
                raise SheetCopyError("a shared string the sheet names is missing")
            attrs = re.sub(r'\st="s"', ' t="inlineStr"', attrs)
            return f"<c{attrs}><is>{strings[int(index.group(1))]}</is></c>"
        return f"<c{attrs}/>" if body is None else f"<c{attrs}>{body}</c>"

    xml = re.sub(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", cell, xml, flags=re.S)

    def moved(m: re.Match[str]) -> str:
        return f'{m.group(1)}="{styles.get(int(m.group(2)), 0)}"'

    xml = re.sub(r'(<row\b[^>]*?\ss)="(\d+)"', moved, xml)
    xml = re.sub(r'(<col\b[^>]*?\sstyle)="(\d+)"', moved, xml)
    return re.sub(r'\stabSelected="(?:1|true)"', "", xml)


def copy_sheet(
    target: bytes, source: bytes, *, name: str, source_sheet: str | None = None
) -> bytes:
    """``target`` (an .xlsx/.xlsm package) with sheet ``source_sheet`` (default: the first)
    of the package ``source`` added as its last sheet ``name``, or replacing the sheet
    of that name; see the module doc for what changes. The source sheet may not refer
    to other parts (drawings, comments, tables): a plain sheet of cells."""
    to = Package.read(target, keep_streams=True)
    src = Package.read(source)
    src_sheets = sheet_parts(src.parts)
    if not src_sheets:
        raise SheetCopyError("the source package has no sheet")
    src_part = src_sheets[source_sheet] if source_sheet else next(iter(src_sheets.values()))
    styles_part = "xl/styles.xml"
    if styles_part not in to.parts or styles_part not in src.parts:
        raise SheetCopyError("a package without styles.xml")
    styles, moved = merge_styles(
        to.parts[styles_part].decode("utf-8"), src.parts[styles_part].decode("utf-8")
    )
    sheet = _sheet_xml(src.parts[src_part].decode("utf-8"), moved, _shared_strings(src.parts))
    changed: dict[str, bytes] = {styles_part: styles.encode("utf-8")}
    existing = sheet_parts(to.parts)
    if name in existing:  # given before: the sheet's part is replaced
        changed[existing[name]] = sheet.encode("utf-8")
    else:
        part = _free_part(to.order)
        changed[part] = sheet.encode("utf-8")
        to.order.append(part)  # a new part, written from ``changed``
        changed.update(_registered(to, name, part))
    return to.to_bytes(changed)


def _free_part(names: list[str]) -> str:
    taken = set(names)
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in taken:
        n += 1
    return f"xl/worksheets/sheet{n}.xml"


def _registered(package: Package, name: str, part: str) -> dict[str, bytes]:
    """workbook.xml, its relationships and the content types with the new sheet."""
    workbook = package.parts["xl/workbook.xml"].decode("utf-8")
    rels = package.parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    types = package.parts["[Content_Types].xml"].decode("utf-8")
    prefix = re.search(rf'xmlns:(\w+)="{re.escape(_R_NS)}"', workbook)
    if prefix is None or "</sheets>" not in workbook or "</Relationships>" not in rels:
        raise SheetCopyError("workbook.xml or its relationships are of an unknown shape")
    if "</Types>" not in types:
        raise SheetCopyError("[Content_Types].xml is of an unknown shape")
    ids = set(re.findall(r'\bId="([^"]*)"', rels))
    n = 1
    while f"rId{n}" in ids:
        n += 1
    rid = f"rId{n}"
    sheet_ids = [int(v) for v in re.findall(r'<sheet\b[^>]*?\bsheetId="(\d+)"', workbook)]
    sheet_id = max(sheet_ids, default=0) + 1
    entry = f'<sheet name={quoteattr(name)} sheetId="{sheet_id}" {prefix.group(1)}:id="{rid}"/>'
    workbook = workbook.replace("</sheets>", entry + "</sheets>", 1)
    target = "/" + part
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="{rid}" Type="{WORKSHEET_REL}" Target="{escape(target)}"/>'
        "</Relationships>",
        1,
    )
    if f'PartName="{target}"' not in types:
        types = types.replace(
            "</Types>", f'<Override PartName="{target}" ContentType="{WORKSHEET_TYPE}"/></Types>', 1
        )
    return {
        "xl/workbook.xml": workbook.encode("utf-8"),
        "xl/_rels/workbook.xml.rels": rels.encode("utf-8"),
        "[Content_Types].xml": types.encode("utf-8"),
    }


# ------------------------------------------------------- a sheet with its charts

DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_RELATIONSHIP = re.compile(r"<Relationship\b([^>]*?)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def _rels_part(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels"


def _relationships(parts: Mapping[str, bytes], part: str) -> list[dict[str, str]]:
    """``part``'s relationships (Id, Type, Target resolved to a part name); none: []."""
    rels = _rels_part(part)
    if rels not in parts:
        return []
    out = []
    for m in _RELATIONSHIP.finditer(parts[rels].decode("utf-8")):
        attrs = dict(_ATTR.findall(m.group(1)))
        if attrs.get("TargetMode") == "External":
            continue
        target = attrs.get("Target", "")
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
        out.append({**attrs, "Target": resolved})
    return out


def _subtree(parts: Mapping[str, bytes], part: str) -> list[str]:
    """The parts reachable from ``part``'s relationships (and their rels parts), in a
    fixed order; ``part`` itself not included."""
    found: list[str] = []
    todo = [part]
    while todo:
        here = todo.pop(0)
        rels = _rels_part(here)
        if rels in parts and rels not in found:
            found.append(rels)
        for rel in _relationships(parts, here):
            target = rel["Target"]
            if target in parts and target not in found and target != part:
                found.append(target)
                todo.append(target)
    return found


def _free(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n) in taken:
        n += 1
    name = pattern.format(n)
    taken.add(name)
    return name


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _with_print_area(workbook: str, index: int, area: str | None) -> str:
    """workbook.xml with sheet ``index``'s print area set to ``area`` (None: removed)."""
    own = re.compile(
        rf'<definedName\b(?=[^>]*\bname="_xlnm\.Print_Area")(?=[^>]*\blocalSheetId="{index}")'
        r"[^>]*>[^<]*</definedName>"
    )
    workbook = own.sub("", workbook)
    if area is None:
        return re.sub(r"<definedNames>\s*</definedNames>|<definedNames/>", "", workbook)
    entry = (
        f'<definedName name="_xlnm.Print_Area" localSheetId="{index}">{escape(area)}</definedName>'
    )
    if "</definedNames>" in workbook:
        return workbook.replace("</definedNames>", entry + "</definedNames>", 1)
    if "<definedNames/>" in workbook:
        return workbook.replace("<definedNames/>", f"<definedNames>{entry}</definedNames>", 1)
    if "</sheets>" not in workbook:
        raise SheetCopyError("workbook.xml has no <sheets>")
    return workbook.replace("</sheets>", f"</sheets><definedNames>{entry}</definedNames>", 1)


def graft_sheet(target: bytes, source: bytes, *, name: str) -> bytes:
    """``target`` with the first sheet of ``source`` (an openpyxl workbook whose sheet is
    already titled ``name``: its charts name their cells by it) as its sheet ``name``,
    charts and all, replacing the sheet of that name (with its drawing and charts)
    or added as the last sheet.

    As :func:`copy_sheet`, and besides: the sheet's drawing and chart parts are copied
    under free part names (the replaced sheet's are removed first, so a second graft
    of the same source gives the same bytes), the styles are merged reusing the
    target's identical ones, and the sheet's print area is carried over. A source
    sheet with relationships other than one drawing of charts raises
    :class:`SheetCopyError`.
    """
    to = Package.read(target, keep_streams=True)
    src = Package.read(source)
    src_sheets = sheet_parts(src.parts)
    if not src_sheets:
        raise SheetCopyError("the source package has no sheet")
    src_name, src_part = next(iter(src_sheets.items()))
    if src_name != name:
        raise SheetCopyError(f"the source sheet is {src_name!r}, not {name!r}")
    sheet_rels = _relationships(src.parts, src_part)
    drawings = [r for r in sheet_rels if r.get("Type") == _REL_TYPE + "drawing"]
    if len(sheet_rels) != len(drawings) or len(drawings) > 1:
        raise SheetCopyError("the source sheet refers to parts other than one drawing")
    charts = _relationships(src.parts, drawings[0]["Target"]) if drawings else []
    if any(r.get("Type") != _REL_TYPE + "chart" for r in charts) or any(
        _relationships(src.parts, r["Target"]) for r in charts
    ):
        raise SheetCopyError("the source drawing holds more than plain charts")
    styles_part = "xl/styles.xml"
    if styles_part not in to.parts or styles_part not in src.parts:
        raise SheetCopyError("a package without styles.xml")
    styles, moved = merge_styles(
        to.parts[styles_part].decode("utf-8"), src.parts[styles_part].decode("utf-8"), reuse=True
    )
    sheet = _sheet_xml(src.parts[src_part].decode("utf-8"), moved, _shared_strings(src.parts))
    changed: dict[str, bytes] = {styles_part: styles.encode("utf-8")}
    existing = sheet_parts(to.parts)
    if name in existing:
        part = existing[name]
        old = _subtree(to.parts, part)  # its drawing, charts and their rels
    else:
        part = _free_part(to.order)
        to.order.append(part)
        changed.update(_registered(to, name, part))
        old = []
    types = changed.get("[Content_Types].xml", to.parts["[Content_Types].xml"]).decode("utf-8")
    for gone in old:
        to.order.remove(gone)
        types = re.sub(rf'<Override\b[^>]*PartName="/{re.escape(gone)}"[^>]*/>', "", types)
    changed[part] = sheet.encode("utf-8")
    taken = set(to.order)
    added: dict[str, bytes] = {}
    if drawings:
        drawing = _free(taken, "xl/drawings/drawing{}.xml")
        chart_rels = []
        for rel in charts:
            chart = _free(taken, "xl/charts/chart{}.xml")
            added[chart] = src.parts[rel["Target"]]
            chart_rels.append((rel["Id"], chart, CHART_TYPE))
        added = {
            _rels_part(part): _rels_xml([(drawings[0]["Id"], drawing, "drawing")]),
            drawing: src.parts[drawings[0]["Target"]],
            _rels_part(drawing): _rels_xml([(i, c, "chart") for i, c, _ in chart_rels]),
            **added,
        }
        overrides = [(drawing, DRAWING_TYPE)] + [(c, t) for _, c, t in chart_rels]
        entries = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
        types = types.replace("</Types>", entries + "</Types>", 1)
    for new in added:
        to.order.append(new)
    changed.update(added)
    changed["[Content_Types].xml"] = types.encode("utf-8")
    workbook = changed.get("xl/workbook.xml", to.parts["xl/workbook.xml"]).decode("utf-8")
    book_rels = "xl/_rels/workbook.xml.rels"
    index = list(
        sheet_parts(
            {
                "xl/workbook.xml": workbook.encode("utf-8"),
                book_rels: changed.get(book_rels, to.parts[book_rels]),
            }
        )
    ).index(name)
    src_book = src.parts["xl/workbook.xml"].decode("utf-8")
    area = re.search(
        r'<definedName\b(?=[^>]*\bname="_xlnm\.Print_Area")(?=[^>]*\blocalSheetId="0")[^>]*>'
        r"[^<]*!([^<!]*)</definedName>",
        src_book,
    )
    changed["xl/workbook.xml"] = _with_print_area(
        workbook, index, f"{_quoted(name)}!{_unescaped(area.group(1))}" if area else None
    ).encode("utf-8")
    return to.to_bytes(changed)


def _unescaped(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def _rels_xml(rels: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f'<Relationship Id={quoteattr(i)} Type="{_REL_TYPE}{kind}" Target="/{escape(t)}"/>'
        for i, t, kind in rels
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    ).encode()


def add_sheet(target: bytes, source: bytes, *, name: str, title_row: int) -> bytes:
    """``target`` with ``source``'s first sheet added as its last sheet, called ``name``
    (:func:`copy_sheet`), its row ``title_row`` printed at the top of every page."""
    package = Package.read(copy_sheet(target, source, name=name), keep_streams=True)
    workbook = package.parts["xl/workbook.xml"].decode("utf-8")
    index = len(re.findall(r"<sheet\b", workbook)) - 1
    title = (
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
        f"{name}!${title_row}:${title_row}</definedName>"
    )
    if "<definedNames>" in workbook:
        workbook = workbook.replace("</definedNames>", title + "</definedNames>", 1)
    elif "<definedNames/>" in workbook:
        workbook = workbook.replace("<definedNames/>", f"<definedNames>{title}</definedNames>", 1)
    else:
        workbook = workbook.replace(
            "</sheets>", f"</sheets><definedNames>{title}</definedNames>", 1
        )
    return package.to_bytes({"xl/workbook.xml": workbook.encode("utf-8")})
