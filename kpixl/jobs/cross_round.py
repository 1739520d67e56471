"""The checks across rounds in a consolidation: this round's roster and results against
the last archived round (:mod:`kpixl.core.cross_round` does the checking; this module
only hands it the frames and the places the layout gives)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpixl.core.cross_round import Places, cross_round_findings
from kpixl.core.findings import Finding
from kpixl.core.rules import Rules
from kpixl.core.text import column_letter, text_of
from kpixl.jobs.match import Roster
from kpixl.jobs.past import PastRounds
from kpixl.workbooks import master_layout as M
from kpixl.workbooks.master import MasterInputs

__all__ = ["history_findings"]


def history_findings(
    inputs: MasterInputs,
    roster: Roster,
    results: pd.DataFrame,
    past: PastRounds | None,
    rules: Rules,
) -> list[Finding]:
    """The ``history.*`` findings of a consolidated round (none without past rounds).

    In: the master's inputs, its validated roster, the round's results (the Results
    sheet's rows, in order, bands given) and the archived rounds before this one."""
    if past is None or not past.rounds:
        return []
    frame = roster.frame  # one row per person id on the Roster, its sheet row in _row
    notes = roster.raw["salary_note"] if "salary_note" in roster.raw.columns else None
    this_roster = pd.DataFrame(
        {
            "person_id": frame["person_id"].to_numpy(),
            "name": frame["name"].to_numpy() if "name" in frame.columns else "",
            "salary": frame["salary"].to_numpy(),
            "salary_note": (
                notes.reindex(frame["person_id"].tolist()).to_numpy() if notes is not None else ""
            ),
            "_row": frame["_row"].to_numpy(),
        }
    )
    this_results = pd.DataFrame(
        {
            "person_id": results["person_id"].to_numpy(),
            "name": results["name"].to_numpy(),
            "band": results["band"].to_numpy(),
            "_row": M.HEADER_ROW + 1 + np.arange(len(results)),  # written below the header
        }
    )
    round_row = inputs.config_rows.get("round_id")
    places = Places(
        file=inputs.path.name,
        roster_sheet=M.ROSTER,
        salary_column=column_letter(M.ROSTER_COLUMNS.index("salary")),
        results_sheet=M.RESULTS,
        band_column=column_letter(M.RESULT_COLUMNS.index("band")),
        config_sheet=M.CONFIG,
        round_cell=f"B{round_row}" if round_row else "",
    )
    return cross_round_findings(
        text_of(inputs.config.get("round_id")),
        this_roster,
        this_results,
        past_rounds=past.rounds,
        last_results=past.last_results(),
        last_roster=past.last_roster,
        bands=[band.name for band in rules.bands],
        places=places,
        db=past.db,
    )
