"""Benchmark: allocating a pool among 50,000 people, every policy.

Prints the time of each policy (best of several runs) and its ratio to a plain-numpy
pass over the same rows (float base × pct, ceil to 10, cap at the maximum: the least
work any allocator must do once), measured in the same run. Target: optimize < 100 ms.

    python benchmarks/allocation.py [--people 50000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

from kpixl import Allocation, allocate, load_rules


def roster(n: int, seed: int = 2569) -> pd.DataFrame:
    rules = load_rules()
    rng = np.random.default_rng(seed)
    codes = list(rules.salary_table.levels)
    level_codes = rng.choice(codes, n)
    salaries = []
    for code in level_codes:
        level = rules.salary_table.level(code)
        salaries.append(int(rng.integers(int(level.min) // 10, int(level.max) // 10 + 1)) * 10)
    totals = rng.integers(5500, 10001, n)
    return pd.DataFrame(
        {
            "person_id": [f"{i:013d}" for i in range(n)],
            "level_code": level_codes,
            "salary": salaries,
            "total": [Decimal(int(t)) / 100 for t in totals],
        }
    )


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    people = roster(args.people)
    rules = load_rules()
    pool = Decimal(int(people["salary"].sum())) * rules.pool_rate_pct / 100
    table = pd.DataFrame({"min_total": [90, 80, 70, 60], "pct": [5, 3.5, 2.5, 1.5]})
    # a unit head's typed percentages: the table's, valid for every band
    manual = people.assign(pct=allocate(people, pool, policy="table", table=table).rows["pct"])

    # the floor: one plain-numpy pass over the same rows
    level = rules.salary_table.levels
    split = people["level_code"].map(lambda c: float(level[c].split_point)).to_numpy()
    lower = people["level_code"].map(lambda c: float(level[c].lower_base)).to_numpy()
    upper = people["level_code"].map(lambda c: float(level[c].upper_base)).to_numpy()
    maximum = people["level_code"].map(lambda c: float(level[c].max)).to_numpy()
    salary = people["salary"].to_numpy(dtype=float)
    pct = np.full(len(people), 3.0)

    def numpy_pass() -> float:
        base = np.where(salary <= split, lower, upper)
        increase = np.ceil(base * pct / 100 / 10) * 10
        return float(np.minimum(salary + increase, maximum).sum())

    floor = best(numpy_pass, args.repeat)
    print(f"people: {len(people):,}   pool: {pool:,.2f} baht")
    head = f"{'policy':<24}{'decide (ms)':>12}{'× numpy':>9}{'+ rows (ms)':>13}{'× numpy':>9}"
    print(head + f"{'leftover (baht)':>18}")
    print(f"{'plain numpy pass':<24}{floor * 1000:>12.2f}{1:>9.1f}")
    cases: list[tuple[str, Callable[[], Allocation]]] = [
        ("optimize / flat", lambda: allocate(people, pool, shape="flat")),
        ("optimize / proportional", lambda: allocate(people, pool, shape="proportional")),
        ("table", lambda: allocate(people, pool, policy="table", table=table)),
        ("manual", lambda: allocate(manual, pool, policy="manual")),
    ]
    for name, run in cases:
        decide = best(run, args.repeat)
        explained = best(lambda run=run: run().rows, args.repeat)  # type: ignore[misc]
        leftover = run().leftover
        print(
            f"{name:<24}{decide * 1000:>12.2f}{decide / floor:>9.1f}"
            f"{explained * 1000:>13.2f}{explained / floor:>9.1f}{leftover:>18,.2f}"
        )
    print("decide: allocate() (the % per person, pool used, findings);")
    print("+ rows: also building the explained result rows (Decimal money per person).")


if __name__ == "__main__":
    main()
