"""The seed programs (scenarios/programs/): each file shows the patterns it names.

Every check is a paired 95% CI over replications (arms share their random numbers) that
excludes zero. The files run at their own replications, on their own organizations.
"""

from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, run_experiment
from sim.experiments.stats import t_interval
from tests.conftest import ROOT, mentee_gain, mentors_kept

FILES = sorted((ROOT / "scenarios" / "programs").glob("*.yaml"))
REPS = 8  # enough for every effect below to clear zero; the files say 10 for users


def program_arms(scenario):
    return [a for a in scenario.arms if a.program is not None]


def ci_above_zero(values, what):
    low, high = t_interval(np.asarray(values, float))
    assert low > 0, f"{what}: mean {np.mean(values):.4g}, paired 95% CI [{low:.4g}, {high:.4g}]"


def per_replication(results, arm, outcome, other=None):
    runs = results.runs.set_index(["arm", "replication"])[outcome]
    return (runs[arm] - runs[other or results.manifest["baseline_arm"]]).to_numpy()


def check_2(scenario, results):
    arm = program_arms(scenario)[0].name
    ci_above_zero(
        per_replication(results, arm, "adoption_seniors"), f"{arm} speeds senior adoption"
    )


def check_3(scenario, results):
    arm = program_arms(scenario)[0].name
    diffs = [
        np.subtract(*mentors_kept(scenario, arm, seed)) for seed in results.manifest["seeds"][:REPS]
    ]
    ci_above_zero(diffs, f"{arm}: mentors retained better than the same people without the program")


def check_4(scenario, results):
    by = {a.program.participation: a.name for a in program_arms(scenario)}
    runs = results.runs.set_index(["arm", "replication"])
    share = {
        k: (runs.loc[v, "pairs_dissolved"] / runs.loc[v, "pairs_formed"]).to_numpy()
        for k, v in by.items()
    }
    ci_above_zero(share["mandatory"] - share["voluntary"], "a mandate fails more pairs")
    gain = {k: per_replication(results, v, "digital_skill_seniors") for k, v in by.items()}
    assert gain["voluntary"].mean() > 0


def check_5(scenario, results):
    focused = next(a for a in program_arms(scenario) if a.program.focus)
    unfocused = next(a for a in program_arms(scenario) if not a.program.focus)
    cols = [scenario.organization.skill_names.index(s) for s in focused.program.focus]
    ratios = []
    for r in range(REPS):
        seed = results.manifest["seeds"][r]
        per_hour = []
        for arm in (focused, unfocused):
            gain, hours = mentee_gain(scenario, arm.name, seed, cols)
            per_hour.append(gain.sum() / hours)
        ratios.append(per_hour[0] - per_hour[1])
    ci_above_zero(ratios, "focus skills gained per program hour, focused minus unfocused")


def check_6(scenario, results):
    arm = program_arms(scenario)[0]
    end = arm.program.waves[0].start_week + arm.program.duration_weeks
    outcome = (
        "cross_group_tie_count"
        if arm.program.pairing == "diversity"
        else "cross_generation_tie_count"
    )
    ts = results.timeseries
    at = ts[ts["week"] == end].set_index(["arm", "replication"])[outcome]
    ci_above_zero(
        (at[arm.name] - at[scenario.baseline]).to_numpy(), f"{outcome} at the program's end"
    )


def check_7(scenario, results):
    arm = program_arms(scenario)[0].name
    ci_above_zero(per_replication(results, arm, "ideas"), f"{arm} adds ideas")


CHECKS = {2: check_2, 3: check_3, 4: check_4, 5: check_5, 6: check_6, 7: check_7}


def test_every_seed_program_is_here():
    names = {f.stem for f in FILES}
    assert names == {
        "ge_1999_web_mentors",
        "ge_minds_machines",
        "microsoft_leap",
        "bofa_generations_connection",
        "ibm_junior_board",
        "caterpillar_erg",
        "heineken_2021",
        "pwc_2014_inclusion",
        "pershing_millennial_retention",
        "graduate_development",
        "change_rollout",
    }


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_seed_program_shows_its_patterns(path: Path):
    text = path.read_text()
    assert text.startswith("#"), "each file opens with a comment on the real program"
    scenario = load_scenario(path, overrides={"replications": REPS})
    assert scenario.patterns, "each file names the pattern(s) it should show"
    assert scenario.baseline == "no_program" and scenario.arm("no_program").program is None
    results = run_experiment(scenario)
    for pattern in scenario.patterns:
        CHECKS[pattern](scenario, results)
