"""An idiomatic plain-Mesa model of the vector engine's main weekly work: the speed anchor.

Written the way a competent Mesa user would write it, without mentorsim: one ``Worker`` agent
per employee holding plain Python lists (11 skills, 4 technologies), neighbours from a
Watts-Strogatz graph (networkx, seeded), a reporting tree, and a week of

1. peer learning: each skill moves toward the neighbours' mean where it is higher (computed by
   every agent, then applied: synchronous, as in mentorsim);
2. adoption: per technology a Bass-type hazard from own skill, the neighbours' adopted share
   and the reporting chain's adoption (top-down push);
3. quits and replacements: a weekly quit chance by generation; a leaver's seat gets a new
   hire at once;
4. outcomes: headcount, adoption shares (all, seniors, juniors, by level), mean digital skill
   of juniors and seniors, leavers.

It is not mentorsim's model (no program, innovation, attitudes or engagement), and its numbers
are not meant to match; it does comparable work per employee-week, so the time per week of the
two is an honest anchor for "how much faster than a plain Mesa model".

    python benchmarks/mesa_reference.py 10000 2     # employees, weeks: prints seconds per week
"""

from __future__ import annotations

import json
import math
import sys
import time

import mesa
import networkx as nx

SKILLS, TECHS, DIGITAL = 11, 4, 6
TECH_SKILLS = [(0, 1), (2,), (3, 4), (5,)]  # the skills that drive each technology
INNOVATION, IMITATION, SKILL_EFFECT, PUSH, DECAY = 0.2, 2.5, 0.8, 1.5, 0.5
LEARNING_RATE = 0.004
QUIT_PER_YEAR = [0.25, 0.21, 0.10, 0.07]  # by generation, youngest first
WEEK = 1.0 / 52.0


class Worker(mesa.Agent):
    """An employee in a seat of the organization."""

    def __init__(self, model: ReferenceModel, seat: int) -> None:
        super().__init__(model)
        rng = model.random
        self.seat = seat
        self.level = model.seat_level[seat]
        self.senior = self.level > 0
        self.generation = rng.randrange(4)
        base = 0.7 - 0.1 * self.generation
        self.skills = [min(1.0, max(0.0, rng.gauss(base, 0.15))) for _ in range(SKILLS)]
        self.openness = rng.random()
        self.adopted = [False] * TECHS
        self.next_skills = self.skills

    def neighbours(self) -> list[Worker]:
        occupant = self.model.occupant
        return [occupant[s] for s in self.model.ties[self.seat]]

    def learn(self) -> None:
        """Move each skill toward the neighbours' mean where it is higher (applied later)."""
        others = self.neighbours()
        if not others:
            return
        n = len(others)
        rate = LEARNING_RATE * self.openness
        new = []
        for k, own in enumerate(self.skills):
            mean = sum(o.skills[k] for o in others) / n
            new.append(own + rate * (mean - own) if mean > own else own)
        self.next_skills = new

    def commit(self) -> None:
        self.skills = self.next_skills

    def adopt(self) -> None:
        """Adopt each technology with the week's chance of its hazard."""
        others = self.neighbours()
        rng = self.model.random
        for t in range(TECHS):
            if self.adopted[t]:
                continue
            skill = sum(self.skills[k] for k in TECH_SKILLS[t]) / len(TECH_SKILLS[t])
            share = sum(o.adopted[t] for o in others) / len(others) if others else 0.0
            hazard = (1 + SKILL_EFFECT * (2 * skill - 1)) * (INNOVATION + IMITATION * share)
            hazard += PUSH * self.model.chain_push(self.seat, t)
            if rng.random() < 1.0 - math.exp(-hazard * WEEK):
                self.adopted[t] = True

    def maybe_quit(self) -> None:
        rate = -math.log(1.0 - QUIT_PER_YEAR[self.generation])
        if self.model.random.random() < 1.0 - math.exp(-rate * WEEK):
            self.model.leavers.append(self)


class ReferenceModel(mesa.Model):
    """Employees in a reporting tree and a small-world network, stepped week by week."""

    def __init__(self, n: int, span: int = 10, degree: int = 10, seed: int = 1) -> None:
        super().__init__(rng=seed)
        graph = nx.watts_strogatz_graph(n, degree, 0.2, seed=seed)
        self.ties = [list(graph.neighbors(i)) for i in range(n)]
        # seat 0 is the CEO; seat i reports to seat (i - 1) // span
        self.manager = [-1] + [(i - 1) // span for i in range(1, n)]
        depth = [0] * n
        for i in range(1, n):
            depth[i] = depth[self.manager[i]] + 1
        top = max(depth)
        self.seat_level = [top - d for d in depth]
        self.occupant = [Worker(self, seat) for seat in range(n)]
        self.leavers: list[Worker] = []
        self.total_leavers = 0
        self.record: list[dict] = []

    def chain_push(self, seat: int, t: int) -> float:
        """The reporting chain's adoption: 1 for the manager, ``DECAY`` for the next, and so on."""
        push, weight, boss = 0.0, 1.0, self.manager[seat]
        while boss >= 0:
            push += weight * self.occupant[boss].adopted[t]
            weight *= DECAY
            boss = self.manager[boss]
        return push

    def step(self) -> None:
        self.agents.shuffle_do("learn")
        self.agents.do("commit")
        self.agents.shuffle_do("adopt")
        self.leavers = []
        self.agents.shuffle_do("maybe_quit")
        for leaver in self.leavers:  # a new hire takes the seat at once
            seat = leaver.seat
            leaver.remove()
            self.occupant[seat] = Worker(self, seat)
        self.total_leavers += len(self.leavers)
        self.record.append(self.outcomes())

    def outcomes(self) -> dict:
        """The week's headline outcomes."""
        workers = list(self.agents)
        out = {"headcount": len(workers), "leavers": self.total_leavers}
        groups = {"all": workers, "seniors": [w for w in workers if w.senior]}
        groups["juniors"] = [w for w in workers if not w.senior]
        for level in range(max(self.seat_level) + 1):
            groups[f"level{level}"] = [w for w in workers if w.level == level]
        for name, group in groups.items():
            for t in range(TECHS):
                out[f"adoption_{name}[{t}]"] = sum(w.adopted[t] for w in group) / max(len(group), 1)
        for name in ("seniors", "juniors"):
            group = groups[name]
            digital = [sum(w.skills[:DIGITAL]) / DIGITAL for w in group]
            out[f"digital_skill_{name}"] = sum(digital) / max(len(digital), 1)
        return out


def main(argv: list[str]) -> int:
    n, weeks = int(argv[0]), int(argv[1])
    start = time.perf_counter()
    model = ReferenceModel(n)
    built = time.perf_counter()
    for _ in range(weeks):
        model.step()
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "employees": n,
                "weeks": weeks,
                "build_s": round(built - start, 3),
                "s_per_week": (done - built) / weeks,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
