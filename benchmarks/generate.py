"""Benchmark: generating personal workbooks for a round.

Prints files per second for kpixl (patching the built template, 1 and 2 processes)
next to openpyxl load-fill-save of the same template and xlsxwriter writing a
comparable form from scratch, all in the same run. Target: ≥ 500 files/s on 2 cores.

    python benchmarks/generate.py [--people 10000] [--peer-sample 100]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl

from kpixl.core.rounds import parse_round
from kpixl.core.rules import load_rules
from kpixl.workbooks import personal_layout as L
from kpixl.workbooks.generate import generate_personal, personal_data_for
from kpixl.workbooks.personal import TEMPLATE_PATH


def national_id(n: int) -> str:
    first12 = f"3{n:011d}"
    digits = [int(c) for c in first12]
    return first12 + str((11 - sum(d * (13 - i) for i, d in enumerate(digits)) % 11) % 10)


def people(n: int) -> list[dict[str, object]]:
    codes = ["K1", "K2", "K3", "O1", "O2", "D1"]
    return [
        {
            "person_id": national_id(i),
            "name": f"นางสาวทดสอบ คนที่{i}",
            "unit": f"กลุ่มงานที่ {i % 20}",
            "position": "นักทรัพยากรบุคคล",
            "position_no": str(i),
            "level_code": codes[i % len(codes)],
            "evaluator": "นายหัวหน้า ตัวอย่าง",
        }
        for i in range(n)
    ]


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def openpyxl_fill(rows: list[dict[str, object]], out: Path) -> None:
    rules = load_rules()
    round_ = parse_round("2570/1")
    for person in rows:
        data = personal_data_for(person, rules=rules, round_=round_)
        wb = openpyxl.load_workbook(TEMPLATE_PATH)
        ws = wb[L.AGREEMENT]
        for field, (_, cell) in L.IDENTITY.items():
            ws[cell] = data.person.get(field)
        for i, comp in enumerate(data.competencies):
            for field in L.COMP_INPUT_FIELDS:
                ws[L.comp_cell(field, i)] = comp.get(field)
        wb[L.HIDDEN][L.meta_cell("person_id")] = str(person["person_id"])
        wb.save(out / f"{person['person_id']}.xlsx")


def xlsxwriter_form(rows: list[dict[str, object]], out: Path) -> None:
    import xlsxwriter

    rules = load_rules()
    round_ = parse_round("2570/1")
    for person in rows:
        data = personal_data_for(person, rules=rules, round_=round_)
        wb = xlsxwriter.Workbook(str(out / f"{person['person_id']}.xlsx"))
        bold = wb.add_format({"bold": True, "font_name": "TH SarabunPSK"})
        for sheet in L.SHEETS:
            ws = wb.add_worksheet(sheet)
            ws.write(0, 0, "ข้อตกลงผลการปฏิบัติราชการรายบุคคล", bold)
            for r, field in enumerate(L.IDENTITY):
                ws.write(3 + r, 0, L.IDENTITY_LABELS[field], bold)
                ws.write(3 + r, 2, str(data.person.get(field) or ""))
            for i in range(L.KPI_ROWS):
                ws.write_formula(L.ACH_FIRST + i, 6, f'=IF(F{i + 6}="","",F{i + 6}*2)')
        wb.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--peer-sample", type=int, default=100)
    args = parser.parse_args()
    rows = people(args.people)
    sample = rows[: args.peer_sample]
    round_ = parse_round("2570/1")
    results: list[tuple[str, int, float]] = []
    tmp = Path(tempfile.mkdtemp(prefix="kpixl-gen-"))
    try:
        for jobs in (1, 2):
            out = tmp / f"kpixl-{jobs}"
            start = time.perf_counter()
            written = generate_personal(rows, out, round_=round_, jobs=jobs)
            results.append(
                (f"kpixl patch template ({jobs} proc)", len(written), time.perf_counter() - start)
            )
        out = tmp / "openpyxl"
        out.mkdir()
        start = time.perf_counter()
        openpyxl_fill(sample, out)
        results.append(("openpyxl load-fill-save", len(sample), time.perf_counter() - start))
        out = tmp / "xlsxwriter"
        out.mkdir()
        start = time.perf_counter()
        xlsxwriter_form(sample, out)
        results.append(("xlsxwriter from scratch", len(sample), time.perf_counter() - start))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = max(rate(n, s) for _, n, s in results)
    print(f"{'method':<32}{'files':>8}{'seconds':>10}{'files/s':>10}{'× slowest':>11}")
    slowest = min(rate(n, s) for _, n, s in results)
    for name, n, seconds in results:
        print(
            f"{name:<32}{n:>8}{seconds:>10.2f}{rate(n, seconds):>10.0f}{rate(n, seconds) / slowest:>11.1f}"
        )
    print(f"best: {best:.0f} files/s (target ≥ 500 files/s on 2 cores)")


if __name__ == "__main__":
    main()
