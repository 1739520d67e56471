"""``kpixl salary``: one person's increase explained, and the salary tables."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

import click

from kpixl.cli.options import NUMBER, PERCENT, json_option, salary_table_option
from kpixl.cli.output import baht, to_json

__all__ = ["salary_group"]


@click.group("salary")
def salary_group() -> None:
    """เงินเดือน: คำนวณการเลื่อนและดูบัญชีเงินเดือน / Salary: increases and tables."""


@salary_group.command("calc")
@click.argument("salary", type=NUMBER)
@click.argument("level_code")
@click.argument("pct", type=PERCENT)
@salary_table_option
@click.option("--alt-ceiling", is_flag=True, help="ใช้เพดานสูงสุดทางเลือก / alternative ceiling.")
@json_option
def calc(
    salary: Decimal,
    level_code: str,
    pct: Decimal,
    salary_table: str,
    alt_ceiling: bool,
    as_json: bool,
) -> None:
    """คำนวณเงินที่ได้เลื่อนพร้อมคำอธิบาย / One increase, explained step by step.

    \b
    Example:
      kpixl salary calc 28000 K2 3.5
      kpixl salary calc 43300 K2 4 --json
      kpixl salary calc 28,000 ชำนาญการ 3.5%
    """
    from kpixl.core.rules import load_rules
    from kpixl.core.salary import salary_base, salary_increase
    from kpixl.core.vocab import level_code_of

    rules = load_rules(salary_table=salary_table)
    try:  # a Thai title works as its code: ชำนาญการ → K2
        level_code = level_code_of(level_code, rules.salary_table.levels)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="LEVEL_CODE") from None
    inc = salary_increase(salary, level_code, pct, rules=rules, alt_ceiling=alt_ceiling)
    if as_json:
        click.echo(to_json(asdict(inc)))
        return
    base = salary_base(inc.salary, level_code, rules=rules, alt_ceiling=alt_ceiling)
    level = rules.salary_table.level(level_code)
    click.echo(f"ระดับ / level: {level_code} {level.title} (บัญชี / table {rules.salary_table.id})")
    click.echo(f"ฐานในการคำนวณ / base: {base.why_th} / {base.why_en}")
    click.echo(
        f"{baht(inc.base)} × {inc.pct}% = {baht(inc.unrounded)} → "
        f"ปัดขึ้นเป็นหลักสิบ / up to 10: {baht(inc.rounded)}"
    )
    if inc.capped:
        click.echo(
            f"ถึงขั้นสูง / at the maximum {baht(inc.maximum)}: เลื่อนได้ {baht(inc.increase)} บาท, "
            f"ค่าตอบแทนพิเศษ / special compensation {baht(inc.special_compensation)}"
        )
    click.echo(
        f"เงินเดือนใหม่ / new salary: {baht(inc.new_salary)} (+{baht(inc.increase)}); "
        f"ใช้วงเงิน / cost to the pool: {baht(inc.cost)}"
    )


@salary_group.command("table")
@salary_table_option
def table(salary_table: str) -> None:
    """แสดงบัญชีอัตราเงินเดือนและฐานในการคำนวณ / Print a salary table.

    \b
    Example:
      kpixl salary table --salary-table 2552
    """
    from kpixl.core.rules import load_rules

    rules = load_rules(salary_table=salary_table)
    t = rules.salary_table
    click.echo(f"บัญชี / table {t.id} (มีผล / effective {t.effective})")
    click.echo(f"{'code':<5}{'min':>9}{'lower':>9}{'split':>9}{'upper':>9}{'max':>9}  level")
    for code, lv in t.levels.items():
        click.echo(
            f"{code:<5}{lv.min:>9,}{lv.lower_base:>9,}{lv.split_point:>9,}"
            f"{lv.upper_base:>9,}{lv.max:>9,}  {lv.title}"
        )
