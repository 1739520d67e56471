"""All workbook templates, built by code into ``templates/`` (byte-for-byte reproducible).

The .xlsm templates are their .xlsx template plus buttons, the VBA project and the
xlwings.conf sheet (see :mod:`kpixl.excel.xlsm`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kpixl.io.atomic import write_bytes_atomic
from kpixl.io.xlsx_package import Package
from kpixl.workbooks.master import build_master_template, with_template_values
from kpixl.workbooks.personal_template import personal_template_bytes, reproducible_bytes
from kpixl.workbooks.unit import build_unit_template

__all__ = ["TEMPLATES", "template_bytes", "write_templates"]


def _unit_template_bytes() -> bytes:
    return Package.read(reproducible_bytes(build_unit_template())).patched({}, calculate=True)


def _master_template_bytes() -> bytes:
    return with_template_values(reproducible_bytes(build_master_template()))


# each template's bytes, every formula carrying its value (for the empty form)
TEMPLATES: dict[str, Callable[[], bytes]] = {
    "personal.xlsx": personal_template_bytes,
    "unit.xlsx": _unit_template_bytes,
    "master.xlsx": _master_template_bytes,
}


def _macro_enabled() -> dict[str, tuple[str, Callable[[bytes], bytes]]]:
    from kpixl.excel.xlsm import master_xlsm, unit_xlsm

    return {"master.xlsm": ("master.xlsx", master_xlsm), "unit.xlsm": ("unit.xlsx", unit_xlsm)}


def template_bytes(name: str) -> bytes:
    if name.endswith(".xlsm"):
        base, build = _macro_enabled()[name]
        return build(template_bytes(base))
    return TEMPLATES[name]()


def write_templates(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    paths = []
    for name in [*TEMPLATES, *_macro_enabled()]:
        path = out / name
        write_bytes_atomic(path, template_bytes(name))
        paths.append(path)
    return paths
