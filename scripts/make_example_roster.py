"""Make the example roster: a fictional 2,000-person company, entirely synthetic.

Nobody in it exists. The organization is drawn by mentorsim's own synthetic builder (seed 2026),
then written in the roster format the way a client's anonymized HR export might look:

* pseudonymous ids (``EX-0001`` ...), manager ids, six departments, levels 0-5;
* hire dates and birth years (as at 2026-01-01); 4% of hire dates left empty;
* an under-represented-group flag;
* two skills from a survey on a 1-5 scale (``skill_scale: likert5``), answered by 60%;
* no attitudes and no other skills: mentorsim draws them when the roster is simulated.

Run it again to regenerate ``scenarios/data/example_roster.csv`` (the same bytes each time):

    python scripts/make_example_roster.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.organization_params import Organization
from sim.core.roster_template import roster_template, write_roster

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "scenarios" / "data" / "example_roster.csv"
DEPARTMENTS = ["engineering", "sales", "operations", "finance", "marketing", "people"]
SURVEYED = ["genai_tools", "data_analytics"]
SEED = 2026


def example_roster():
    """The example company's roster table."""
    org = Organization(size=2000, levels=6, span_of_control=8, departments=DEPARTMENTS)
    table, _ = roster_template(org, seed=SEED)
    rng = np.random.default_rng(SEED)
    ids = {old: f"EX-{i + 1:04d}" for i, old in enumerate(table["employee_id"])}
    table["employee_id"] = table["employee_id"].map(ids)
    table["manager_id"] = table["manager_id"].map(ids).fillna("")
    table.loc[rng.random(len(table)) < 0.04, "hire_date"] = ""
    keep = ["employee_id", "manager_id", "department", "level", "hire_date", "birth_year"]
    keep.append("underrepresented")
    out = table[keep].copy()
    answered = rng.random(len(table)) < 0.6
    for name in SURVEYED:
        likert = (1 + np.rint(4 * table[f"skill.{name}"])).astype(int).astype(str)
        out[f"skill.{name}"] = np.where(answered, likert, "")
    return out


if __name__ == "__main__":
    write_roster(example_roster(), OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
