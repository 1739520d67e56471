"""A package's formulas with their values: what :meth:`Package.patched` caches in a sheet.

A :class:`Calculator` reads a package once (its cells, shared strings, formulas and
defined names), computes every formula of the package as it is (the template's
values), and then, for each set of edits (a person's cells), computes again only the
formulas that read an edited cell, directly or through other formulas; the others keep
the template's values. :meth:`Calculator.with_values` gives the edits plus every
formula cell as a :class:`~kpixl.io.cell_text.Formula` carrying its value.

The formulas are computed by :mod:`kpixl.io.formula_values` (a closed vocabulary;
anything else raises :class:`~kpixl.io.formula_values.FormulaNotSupported`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal

from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
)

from kpixl.io.cell_text import CellError, Formula, decode_text
from kpixl.io.formula_values import (
    Compiled,
    FormulaNotSupported,
    Rect,
    compile_formula,
    result_value,
)

__all__ = ["Calculator", "cached_value"]

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_MISSING = object()

Key = tuple[str, int, int]  # sheet, row, column (1-based)


def cached_value(v: object) -> object:
    """A computed value as a cell caches it: a whole number as an int, -0 as 0."""
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _key(sheet: str, ref: str) -> Key:
    letters, row = coordinate_from_string(ref)
    return sheet, row, column_index_from_string(letters)


def _text_of(element: ET.Element) -> str:
    """A string item's text: its ``<t>`` and rich runs' ``<t>``, without phonetic runs."""
    parts = []
    for child in element:
        if child.tag == f"{_NS}t":
            parts.append(child.text or "")
        elif child.tag == f"{_NS}r":
            parts += [t.text or "" for t in child.iter(f"{_NS}t")]
    return decode_text("".join(parts))


class _Sheets:
    """A package's cells: constants per sheet, formulas by cell, defined names."""

    def __init__(self, parts: Mapping[str, bytes], sheets: Mapping[str, str]) -> None:
        strings: list[str] = []
        if "xl/sharedStrings.xml" in parts:
            root = ET.fromstring(parts["xl/sharedStrings.xml"])
            strings = [_text_of(si) for si in root.iter(f"{_NS}si")]
        self.constants: dict[str, dict[tuple[int, int], object]] = {}
        self.formulas: dict[Key, str] = {}
        self.refs: dict[Key, str] = {}
        for sheet, part in sheets.items():
            self.constants[sheet] = self._read(sheet, ET.fromstring(parts[part]), strings)
        self.names: dict[str, str] = {}
        workbook = ET.fromstring(parts["xl/workbook.xml"])
        for element in workbook.iter(f"{_NS}definedName"):
            name = element.get("name") or ""
            if element.get("localSheetId") is None and not name.startswith("_xlnm."):
                self.names[name.upper()] = element.text or ""

    def _read(
        self, sheet: str, root: ET.Element, strings: list[str]
    ) -> dict[tuple[int, int], object]:
        values: dict[tuple[int, int], object] = {}
        shared: dict[str, tuple[str, str]] = {}  # si → (formula, its cell)
        for c in root.iter(f"{_NS}c"):
            ref = c.get("r") or ""
            key = _key(sheet, ref)
            f = c.find(f"{_NS}f")
            if f is not None:
                text = f.text or ""
                si = f.get("si")
                if f.get("t") == "shared" and si is not None:
                    if text:
                        shared[si] = (text, ref)
                    elif si in shared:
                        origin, at = shared[si]
                        text = Translator("=" + origin, origin=at).translate_formula(ref)[1:]
                if text:
                    self.formulas[key] = "=" + text
                    self.refs[key] = ref
                    continue
            kind = c.get("t") or "n"
            v = c.find(f"{_NS}v")
            value: object = None
            if kind == "inlineStr":
                inline = c.find(f"{_NS}is")
                value = _text_of(inline) if inline is not None else ""
            elif v is not None and v.text is not None:
                if kind == "s":
                    value = strings[int(v.text)]
                elif kind == "b":
                    value = v.text.strip() in ("1", "true")
                elif kind == "e":
                    value = CellError(v.text)
                elif kind == "str":
                    value = decode_text(v.text)
                else:
                    value = float(v.text)
            if value is not None and value != "":
                values[key[1:]] = value
        return values


def _plain(value: object) -> object:
    """An edit's value as the formulas read it (text stays text, numbers are floats)."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return str(value)


class _Pass:
    """One computation: the edited cells and the formulas computed so far (``local``),
    the formulas to compute (``pending``, on demand), the package's own values (``base``:
    its constants and the values of the formulas no edit reaches)."""

    def __init__(
        self,
        calc: Calculator,
        local: dict[Key, object],
        pending: frozenset[Key],
        formulas: Mapping[Key, Compiled],
        base: Mapping[Key, object],
    ) -> None:
        self.calc = calc
        self.local = local
        self.pending = pending
        self.formulas = formulas
        self.base = base
        self.running: set[Key] = set()

    def value(self, sheet: str, row: int, col: int) -> object:
        key = (sheet, row, col)
        v = self.local.get(key, _MISSING)
        if v is not _MISSING:
            return v
        if key in self.pending:
            return self.compute(key)
        return self.base.get(key)

    def name(self, name: str) -> Compiled:
        return self.calc.name(name)

    def compute(self, key: Key) -> object:
        if key in self.running:
            raise FormulaNotSupported(f"a circular reference at {key[0]}!{self.calc.ref(key)}")
        self.running.add(key)
        try:
            v = result_value(self.formulas[key].run(self))
        except FormulaNotSupported as exc:
            raise FormulaNotSupported(f"{key[0]}!{self.calc.ref(key)}: {exc}") from None
        finally:
            self.running.discard(key)
        self.local[key] = v
        return v


class Calculator:
    """The formulas of one package, computed for any edits of its cells."""

    def __init__(self, parts: Mapping[str, bytes], sheets: Mapping[str, str]) -> None:
        self.sheets = _Sheets(parts, sheets)
        self._names: dict[str, Compiled] = {}
        self.compiled = {
            key: self._compile(text, key) for key, text in self.sheets.formulas.items()
        }
        self._rows = self._readers()
        self._closures: dict[frozenset[Key], frozenset[Key]] = {}
        self._base: dict[Key, object] | None = None  # the package's formulas' values
        self._flat: dict[Key, object] = {}  # its constants and those values

    def _compile(self, text: str, key: Key) -> Compiled:
        try:
            return compile_formula(text, key[0], self.sheets.names)
        except FormulaNotSupported as exc:
            raise FormulaNotSupported(f"{key[0]}!{self.ref(key)}: {exc}") from None

    def ref(self, key: Key) -> str:
        return self.sheets.refs.get(key) or f"{get_column_letter(key[2])}{key[1]}"

    def name(self, name: str) -> Compiled:
        compiled = self._names.get(name)
        if compiled is None:
            text = self.sheets.names.get(name)
            if text is None:
                raise FormulaNotSupported(f"the name {name} (not defined in the workbook)")
            compiled = self._names[name] = compile_formula(text, "", self.sheets.names)
        return compiled

    def _rects(self, compiled: Compiled, seen: frozenset[str] = frozenset()) -> list[Rect]:
        """Every range a formula reads, through its defined names."""
        rects = list(compiled.rects)
        for name in compiled.names:
            if name not in seen:
                rects += self._rects(self.name(name), seen | {name})
        return rects

    def _readers(self) -> dict[str, dict[int, list[tuple[int, int, Key]]]]:
        """Sheet → row → (first column, last column, formula) of every range a formula
        reads: the formulas that read a cell, found from its row."""
        rows: dict[str, dict[int, list[tuple[int, int, Key]]]] = {}
        for key, compiled in self.compiled.items():
            for rect in set(self._rects(compiled)):
                by_row = rows.setdefault(rect.sheet, {})
                for row in range(rect.top, rect.bottom + 1):
                    by_row.setdefault(row, []).append((rect.left, rect.right, key))
        return rows

    def _closure(self, changed: frozenset[Key]) -> frozenset[Key]:
        """The formulas whose value may change when the ``changed`` cells do."""
        found = self._closures.get(changed)
        if found is not None:
            return found
        affected: set[Key] = set()
        queue = list(changed)
        while queue:
            sheet, row, col = queue.pop()
            for left, right, key in self._rows.get(sheet, {}).get(row, ()):
                if left <= col <= right and key not in affected:
                    affected.add(key)
                    queue.append(key)
        found = frozenset(affected)
        if len(self._closures) < 256:
            self._closures[changed] = found
        return found

    def values(self, edits: Mapping[str, Mapping[str, object]] | None = None) -> dict[Key, object]:
        """Every formula cell's value (sheet, row, column → value) with ``edits`` applied
        (sheet → cell → value; a :class:`Formula` edit is a formula)."""
        computed, formulas = self._computed(edits or {})
        base = self._base or {}
        return {k: computed[k] if k in computed else base[k] for k in formulas}

    def _computed(
        self, edits: Mapping[str, Mapping[str, object]]
    ) -> tuple[dict[Key, object], Mapping[Key, Compiled]]:
        """The values of the formulas the edits reach (the others keep the package's
        values), and the formulas with the edits."""
        if self._base is None:
            constants = {
                (sheet, row, col): v
                for sheet, cells in self.sheets.constants.items()
                for (row, col), v in cells.items()
            }
            run = _Pass(self, {}, frozenset(self.compiled), self.compiled, constants)
            self._base = {key: run.value(*key) for key in self.compiled}
            self._flat = {**constants, **self._base}
        edited: dict[Key, object] = {}
        formulas: dict[Key, Compiled] = self.compiled
        written: set[Key] = set()  # the edits' own formulas
        for sheet, cells in edits.items():
            for ref, value in cells.items():
                key = _key(sheet, ref)
                if isinstance(value, Formula) or key in formulas:
                    if formulas is self.compiled:
                        formulas = dict(self.compiled)
                    formulas.pop(key, None)
                if isinstance(value, Formula):
                    formulas[key] = self._compile(str(value), key)
                    written.add(key)
                else:
                    edited[key] = _plain(value)
        flat = self._flat  # an edit that writes the value a cell has changes nothing
        changed = frozenset(k for k, v in edited.items() if not _same(flat.get(k, _MISSING), v))
        pending = (self._closure(changed | written) | written) & formulas.keys()
        run = _Pass(self, dict(edited), pending, formulas, self._flat)
        for key in pending:
            if key not in run.local:
                run.compute(key)
        return {k: run.local[k] for k in pending}, formulas

    def with_values(
        self, edits: Mapping[str, Mapping[str, object]], *, changed_only: bool = False
    ) -> dict[str, dict[str, object]]:
        """``edits`` with every formula cell of the package written as a
        :class:`Formula` carrying its value (the edits' own formulas included).
        ``changed_only``: only the formula cells whose value differs from the package's
        own (for a package whose formulas already carry those values)."""
        out = {sheet: dict(cells) for sheet, cells in edits.items()}
        computed, formulas = self._computed(edits)
        base = self._base or {}
        for key in computed if changed_only else formulas:
            value = computed[key] if key in computed else base[key]
            sheet, ref = key[0], self.ref(key)
            given = out.get(sheet, {}).get(ref)
            if changed_only and given is None and _same(base.get(key, _MISSING), value):
                continue  # the package's own value, already in its cell
            text = str(given) if isinstance(given, Formula) else self.sheets.formulas[key]
            out.setdefault(sheet, {})[ref] = Formula(text, cached_value(value))
        return out


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b
