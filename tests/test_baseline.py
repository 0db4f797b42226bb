"""The pinned baseline: a fixed scenario and seed must keep giving the checked-in summary.

When a change is meant to move results, regenerate with `python scripts/regenerate_baseline.py`
and review the diff; otherwise a failure here is an unintended change of the model.
"""

import sys

import numpy as np
import pandas as pd

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT))
from scripts.regenerate_baseline import BASELINE, compute_baseline


def test_summary_matches_the_pinned_baseline():
    pinned = pd.read_csv(BASELINE)
    now = compute_baseline()
    assert list(now["outcome"]) == list(pinned["outcome"]), "the outcome list changed"
    assert list(now["arm"]) == list(pinned["arm"])
    # 1e-9 relative: the baseline is written with 12 significant digits; anything larger is a
    # change of the model or of a random stream
    assert list(now["n"]) == list(pinned["n"]), "the replications with a value changed"
    for col in ("mean", "std"):
        # NA where an arm has nothing to measure (no mentors, no baseline to compare with)
        bad = ~np.isclose(now[col], pinned[col], rtol=1e-9, atol=1e-12, equal_nan=True)
        assert not bad.any(), (
            f"{col} moved for {now.loc[bad, ['arm', 'outcome']].values.tolist()[:5]}"
        )
