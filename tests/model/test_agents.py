import numpy as np
import pytest

from sim import JuniorEmployee, ReverseMentoringModel, SeniorEmployee, load_scenario
from sim.core.phase import Mechanism


def test_agents_are_views_both_ways(small):
    model = ReverseMentoringModel(small)
    agent = model.agent_at(5)
    agent.skills[2] = 0.123
    assert model.state.skills[5, 2] == 0.123, "a write through agent.skills reaches the array"
    model.state.skills[5, 3] = 0.456
    assert agent.skills[3] == 0.456, "a write to the array shows in the agent"
    agent.skills = np.full(model.state.skills.shape[1], 0.5)
    assert (model.state.skills[5] == 0.5).all()
    agent.resistance = 0.9
    assert model.state.attitudes[5, 0] == 0.9
    model.state.attitudes[5, 1] = 0.2
    assert agent.openness == 0.2 and agent.attitudes[1] == 0.2
    agent.engagement = 0.33
    assert model.state.engagement[5] == 0.33
    assert np.shares_memory(agent.skills, model.state.skills), "no copy is held by the agent"


def test_agent_types_follow_the_seniority_rule(small):
    model = ReverseMentoringModel(small)
    by_type = model.agents_by_type
    assert len(by_type[SeniorEmployee]) == int(model.state.senior.sum())
    assert len(by_type[JuniorEmployee]) == int((~model.state.senior).sum())
    assert len(model.agents) == model.state.size
    for agent in model.agents:
        assert isinstance(agent, SeniorEmployee) == bool(model.state.senior[agent.slot])
    ceo = model.agent_at(int(np.flatnonzero(model.state.manager < 0)[0]))
    report = int(np.flatnonzero(model.state.manager == ceo.slot)[0])
    assert ceo.manager is None and model.agent_at(report).manager is ceo
    assert ceo.cohort in {"gen_z", "millennial", "gen_x", "boomer"} and ceo.department


def test_agents_follow_leavers_hires_and_promotions(small):
    model = ReverseMentoringModel({**small, "horizon_weeks": 40})
    before = {a.slot: (a, int(model.state.person[a.slot])) for a in model.agents}
    model.run()
    st = model.state
    assert model.tally.leavers + model.tally.retirements > 0 and model.tally.hires > 0
    agents = list(model.agents)
    assert sorted(a.slot for a in agents) == np.flatnonzero(st.alive).tolist(), (
        "exactly one agent per current employee, none for vacant slots"
    )
    changed = 0
    for agent in agents:
        assert isinstance(agent, SeniorEmployee) == bool(st.senior[agent.slot])
        old, person = before[agent.slot]
        # the same person keeps their agent; a new person in the slot has a new one
        assert (agent is old) == (person == st.person[agent.slot])
        changed += agent is not old
    assert changed > 0
    vacant = np.flatnonzero(~st.alive)
    if vacant.size:
        with pytest.raises(KeyError):
            model.agent_at(int(vacant[0]))
    assert len(model.agents_by_type[SeniorEmployee]) == int((st.alive & st.senior).sum())


class _Count(Mechanism):
    """A test mechanism: each current employee counts the weeks it was here (a rule of one row)."""

    name = "weeks_here"
    reads = ("alive",)
    writes = ()
    draws_per_employee = 1

    def prepare(self, world):
        return world.state.alive.copy()

    def rule(self, inputs, who, draws):
        return {"here": inputs[who], "draw": draws[..., 0]}

    def write(self, world, inputs, who, changes):
        world.weeks_here[who] += changes["here"]


@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_an_added_mechanism_runs_in_the_step_of_either_engine(engine):
    scenario = load_scenario(
        {"engine": engine, "organization": {"size": 80, "levels": 3, "span_of_control": 10}}
    )
    model = ReverseMentoringModel(scenario, rng=3)
    model.weeks_here = np.zeros(model.state.size)
    model.add_phase(_Count(None), after="adoption")
    names = [p.name for p in model.phases]
    assert names.index("weeks_here") == names.index("adoption") + 1
    model.run(5)
    # without leavers in 5 weeks most employees were here every week
    assert model.weeks_here.max() == 5 and np.median(model.weeks_here) == 5
    with pytest.raises(ValueError, match="already in the step"):
        model.add_phase(_Count(None))
    with pytest.raises(ValueError, match="no phase named 'lunch'"):
        model.add_phase("other", lambda m: None, after="lunch")


def test_a_plain_function_phase_runs_last_before_the_outcomes():
    scenario = load_scenario({"organization": {"size": 60, "levels": 3, "span_of_control": 10}})
    model = ReverseMentoringModel(scenario, rng=1)
    seen = []
    model.add_phase("watch", lambda m: seen.append(m.now))
    assert model.phases[-1].name == "watch"
    model.run(3)
    assert seen == [0, 1, 2]
