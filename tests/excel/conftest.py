"""The Excel layer's tests: xlwings' remote engine needs its licence key set.

The remote engine is in xlwings' PRO folder (PolyForm Noncommercial 1.0.0, which covers
government institutions); ``.ci/run`` exports the key and so does this file, so the
tests run (and are never skipped) wherever the suite runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
