"""The pattern table of docs/VALIDATION.md: each pattern's effect, with its paired 95% CI.

Runs the designs of ``tests/validation/test_patterns.py`` (the same scenarios and seeds, the
full-size variant where a test has one) and prints one Markdown row per measured effect:

    python scripts/validation_patterns.py
"""

from __future__ import annotations

import numpy as np

from sim import ReverseMentoringModel, load_scenario, run_experiment
from sim.experiments.stats import t_interval

VOLUNTARY = {"pairing": "random"}
MANDATORY = {**VOLUNTARY, "participation": "mandatory"}
FOCUS = ["genai_tools", "data_analytics"]
CLOSED = {
    "annual_turnover": {"gen_z": 0.0, "millennial": 0.0, "gen_x": 0.0, "boomer": 0.0},
    "retirement": False,
}


def experiment(arms, reps, weeks, size=300, levels=4, seed=11, **extra):
    org = {"size": size, "levels": levels, "span_of_control": 8, **extra.pop("organization", {})}
    data = {"seed": seed, "horizon_weeks": weeks, "replications": reps, "organization": org}
    return run_experiment({**data, "arms": arms, **extra}).runs.set_index(["arm", "replication"])


def row(pattern: str, what: str, values) -> None:
    values = np.asarray(values, float)
    low, high = t_interval(values)
    print(
        f"| {pattern} | {what} | {values.mean():+.4g} | {low:+.4g} to {high:+.4g} | {values.size} |"
    )


def pattern_1() -> None:
    res = run_experiment(
        {
            "seed": 11,
            "horizon_weeks": 78,
            "replications": 6,
            "organization": {"size": 400, "levels": 4},
            "arms": [{"name": "none"}],
        }
    )
    half = {}
    for group in ("adoption_seniors", "adoption_juniors"):
        ts = res.timeseries.pivot_table(index="replication", columns="week", values=group)
        half[group] = (ts.to_numpy() >= 0.5).argmax(axis=1)
    lag = half["adoption_seniors"] - half["adoption_juniors"]
    row("1", "weeks to half adoption, seniors minus juniors", lag)


def _below(state, slots):
    below = np.zeros(state.size, bool)
    for s in slots:
        below |= state.ancestors[:, state.depth[s]] == s
    below[slots] = False
    return below


def pattern_2(reps: int = 40) -> None:
    common = {**MANDATORY, "waves": [{"start_week": 0, "size": 20}]}
    designs = {
        "leaders": {**common, "eligibility": {"mentee_min_level": 2, "mentee_max_level": 3}},
        "line": {**common, "eligibility": {"mentee_min_level": 1, "mentee_max_level": 1}},
    }
    scenario = load_scenario(
        {
            "seed": 11,
            "horizon_weeks": 40,
            "organization": {"size": 800, "levels": 5},
            "arms": [{"name": "none"}] + [{"name": k, "program": v} for k, v in designs.items()],
        }
    )
    reach, seniors = {k: [] for k in designs}, {k: [] for k in designs}
    for seed in range(reps):
        base = ReverseMentoringModel(scenario, arm="none", rng=seed).run()
        for arm in designs:
            model = ReverseMentoringModel(scenario, arm=arm, rng=seed)
            model.step()
            mentees = model.program.slots(model.program.book.mentee)
            below = _below(model.state, mentees)
            model.run()
            extra = model.state.adopted[below].sum() - base.state.adopted[below].sum()
            reach[arm].append(extra / mentees.size)
            seniors[arm].append(
                model.final_outcomes()["adoption_seniors"]
                - base.final_outcomes()["adoption_seniors"]
            )
    row("2", "senior adoption, leaders as mentees minus no program", seniors["leaders"])
    row("2", "extra adoptions below each mentee: leaders", reach["leaders"])
    row("2", "extra adoptions below each mentee: first-line managers", reach["line"])
    row(
        "2",
        "senior adoption, leaders minus first-line managers",
        np.subtract(seniors["leaders"], seniors["line"]),
    )


def pattern_3(seeds: int = 12) -> None:
    scenario = load_scenario(
        {
            "seed": 3,
            "horizon_weeks": 52,
            "organization": {"size": 500, "levels": 5},
            "arms": [
                {"name": "none"},
                {"name": "program", "program": {**VOLUNTARY, "duration_months": 12}},
            ],
        }
    )
    diffs = []
    for seed in range(seeds):
        prog = ReverseMentoringModel(scenario, arm="program", rng=seed).run()
        base = ReverseMentoringModel(scenario, arm="none", rng=seed).run()
        mentors = np.flatnonzero(prog.people.mentor_ever[: prog.people.initial])
        kept = (prog.people.slot_of[mentors] >= 0).mean()
        diffs.append(kept - (base.people.slot_of[mentors] >= 0).mean())
    row("3", "mentors employed after a year, minus the same people without it", diffs)


def pattern_4() -> None:
    runs = experiment(
        [
            {"name": "none"},
            {"name": "voluntary", "program": VOLUNTARY},
            {"name": "mandatory", "program": MANDATORY},
        ],
        reps=8,
        weeks=30,
    )

    def share(r, arm):
        return (r.loc[arm, "pairs_dissolved"] / r.loc[arm, "pairs_formed"]).to_numpy()

    row(
        "4",
        "share dissolved early, mandatory minus voluntary",
        share(runs, "mandatory") - share(runs, "voluntary"),
    )
    arms = [{"name": "none"}] + [
        {"name": p, "program": {"pairing": p}} for p in ("random", "optimal", "cross_department")
    ]
    runs = experiment(arms, reps=8, weeks=30, size=400, levels=5)
    row(
        "4",
        "share dissolved early, random minus optimal pairs",
        share(runs, "random") - share(runs, "optimal"),
    )
    gain = (
        runs.loc["optimal", "digital_skill_seniors"] - runs.loc["random", "digital_skill_seniors"]
    )
    row("4", "seniors' digital skill, optimal minus random pairs", gain)


def _focus_ratios(dynamics, seeds=5):
    scenario = load_scenario(
        {
            "seed": 5,
            "horizon_weeks": 26,
            "organization": {"size": 300, "levels": 4},
            "dynamics": dynamics,
            "arms": [
                {"name": "unfocused", "program": MANDATORY},
                {"name": "focused", "program": {**MANDATORY, "focus": FOCUS}},
            ],
        }
    )
    names = scenario.organization.skill_names
    digital = [s.name for s in scenario.organization.skills if s.kind == "digital"]
    cols = [names.index(s) for s in FOCUS + [d for d in digital if d not in FOCUS]]
    ratios = []
    for seed in range(seeds):
        per_hour = {}
        for arm in ("unfocused", "focused"):
            model = ReverseMentoringModel(scenario, arm=arm, rng=seed)
            before = model.state.skills[:, cols].copy()
            model.run()
            mentees = np.flatnonzero(model.people.mentee_ever[: model.people.initial])
            slots = model.people.slot_of[mentees]
            here = slots >= 0
            gain = model.state.skills[slots[here]][:, cols] - before[mentees[here]]
            sums = np.array([gain[:, :2].sum(), gain[:, 2:].sum(), gain.sum()])
            per_hour[arm] = sums / model.program.hours
        ratios.append(per_hour["focused"] / per_hour["unfocused"])
    return np.array(ratios).T


def pattern_5() -> None:
    focus, other, total = _focus_ratios({})
    row("5", "focus skills per hour, focused / unfocused", focus)
    row("5", "other digital skills per hour, focused / unfocused", other)
    row("5", "all digital skills per hour, focused / unfocused", total)
    focus, _, _ = _focus_ratios({"learning": {"focus_share": len(FOCUS) / 6}})
    row("5", "focus skills per hour with no reallocation (focus_share = 2/6)", focus)


def pattern_6() -> None:
    res = run_experiment(
        {
            "seed": 11,
            "horizon_weeks": 78,
            "replications": 8,
            "organization": {"size": 300, "levels": 4},
            "dynamics": {"retention": CLOSED},
            "arms": [
                {"name": "none"},
                {"name": "program", "program": {**VOLUNTARY, "duration_months": 6}},
            ],
        }
    )
    ts = res.timeseries.pivot_table(
        index=["replication", "week"], columns="arm", values="cross_generation_tie_count"
    )
    diff = (ts["program"] - ts["none"]).unstack("replication")
    row("6", "cross-generational ties at the program's end (week 26)", diff.loc[26])
    row("6", "the same a year later (week 78)", diff.loc[78])


def pattern_7() -> None:
    runs = experiment(
        [{"name": "none"}, {"name": "program", "program": {**VOLUNTARY, "cadence_per_month": 4}}],
        reps=10,
        weeks=26,
    )
    row("7", "ideas, program minus none", runs.loc["program", "ideas"] - runs.loc["none", "ideas"])
    ideas = {}
    for name, h in (("siloed", 1.0), ("mixed", 0.0)):
        network = {"homophily_department": h, "homophily_generation": h}
        r = experiment([{"name": "none"}], reps=10, weeks=26, organization={"network": network})
        ideas[name] = r.loc["none", "ideas"].to_numpy()
    row("7", "ideas, mixed minus siloed network", ideas["mixed"] - ideas["siloed"])


def pattern_8() -> None:
    heavy = {**VOLUNTARY, "cadence_per_month": 8, "duration_months": 18, "hours_per_meeting": 2.0}
    runs = experiment([{"name": "none"}, {"name": "heavy", "program": heavy}], reps=6, weeks=78)
    row("8", "ROI of a long, unfocused, high-cadence program", runs.loc["heavy", "roi"])
    program = {**MANDATORY, "cadence_per_month": 4}
    runs = experiment(
        [
            {"name": "none"},
            {"name": "unfocused", "program": program},
            {"name": "focused", "program": {**program, "focus": FOCUS}},
        ],
        reps=6,
        weeks=30,
        seed=4,
    )

    def diff(column):
        return (runs.loc["focused", column] - runs.loc["unfocused", column]).to_numpy()

    row("8", "ROI, focused (on needed skills) minus unfocused", diff("roi"))
    row("8", "value of skill transferred, focused minus unfocused", diff("skill_value"))
    row(
        "8",
        "other benefit terms, focused minus unfocused",
        diff("net_benefit") - diff("skill_value"),
    )


def main() -> None:
    print("| pattern | effect | mean | 95% CI | n |")
    print("|---|---|---|---|---|")
    for pattern in (
        pattern_1,
        pattern_2,
        pattern_3,
        pattern_4,
        pattern_5,
        pattern_6,
        pattern_7,
        pattern_8,
    ):
        pattern()


if __name__ == "__main__":
    main()
