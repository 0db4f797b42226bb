"""The sensitivity page's words say what the tables hold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.sensitivity import Sensitivity, Settings
from sim.model.uncertainty import Factor
from sim.ui.sensitivity_report import (
    influence_sentence,
    prim_sentence,
    render_html,
    robustness_sentence,
)


def result(values, mu_star, floor, prim=None) -> Sensitivity:
    factors = [Factor("dynamics.adoption.mentoring", 0, 8), Factor("dynamics.a.b", 0, 1)]
    indices = pd.DataFrame(
        {
            "method": "morris",
            "quantity": "effect",
            "outcome": "y",
            "arm": "rm",
            "parameter": [f.path for f in factors],
            "mu": mu_star,
            "mu_star": mu_star,
            "mu_star_conf": 0.0,
            "sigma": 0.0,
            "mu_star_noise_floor": floor,
            "below_noise_floor": [m <= floor for m in mu_star],
            "rank": [1, 2],
        }
    )
    points = pd.DataFrame({"point": range(len(values)), "arm": "rm", "outcome": "y",
                           "value": values, "se": 0.0, "replications": 1})  # fmt: skip
    robust = pd.DataFrame([{"outcome": "y", "arm": "rm", "points": len(values),
                            "positive": int((np.array(values) > 0).sum()),
                            "share_positive": float((np.array(values) > 0).mean()),
                            "share_ci95_low": 0.1, "share_ci95_high": 0.9,
                            "min": min(values), "median": float(np.median(values)),
                            "max": max(values), "effect_at_defaults": 0.5,
                            "effect_at_defaults_ci95_low": 0.4,
                            "effect_at_defaults_ci95_high": 0.6,
                            "replications_at_defaults": 20}])  # fmt: skip
    return Sensitivity(
        settings=Settings(outcomes=["y"], arms=["rm"], size=2),
        factors=factors,
        design=np.zeros((len(values), 2)),
        points=points,
        indices=indices,
        robustness=robust,
        prim=prim if prim is not None else pd.DataFrame(),
        baseline="none",
        scenario_name="demo",
    )


def test_the_sentence_names_only_parameters_above_the_floor_as_drivers():
    r = result([0.1, -0.2, 0.3, 0.4], [0.5, 0.01], 0.05)
    text = influence_sentence(r, "y", "rm")
    assert text.startswith("The effect of rm on y (paired, minus none) depends most on")
    assert "adoption.mentoring (mu* 0.5)" in text
    assert "1 of 2 parameters are at or below the noise floor" in text
    assert "Next, at or below the floor: a.b (0.01)" in text
    r = result([0.1, -0.2, 0.3, 0.4], [0.04, 0.01], 0.05)
    assert influence_sentence(r, "y", "rm").startswith("No parameter moves the effect")


def test_a_quantity_that_never_moves_is_called_so():
    r = result([0.2, 0.2, 0.2], [0.0, 0.0], 0.0)
    assert "is the same at every point (+0.2)" in influence_sentence(r, "y", "rm")


def test_robustness_and_prim_sentences_count_points():
    r = result([0.1, -0.2, 0.3, 0.4], [0.5, 0.01], 0.05)
    assert "positive at 3 of 4 points (75%" in robustness_sentence(r, "y", "rm")
    box = pd.DataFrame([{"condition": "y>0", "arm": "rm", "points": 4, "hits": 3,
                         "coverage": 1.0, "density": 1.0, "mass": 0.75,
                         "parameter": "dynamics.adoption.mentoring", "low": 2.0, "high": 8.0}])  # fmt: skip
    text = prim_sentence(result([0.1, -0.2, 0.3, 0.4], [0.5, 0.01], 0.05, box), "rm")
    assert text.startswith(
        "y>0 held for rm at 3 of 4 points (75%). Where adoption.mentoring in [2, 8]"
    )
    every = box.assign(hits=4)
    assert "at every one of the 4 points" in prim_sentence(
        result([0.1, 0.2, 0.3, 0.4], [0.5, 0.01], 0.05, every), "rm"
    )


def test_the_page_escapes_what_it_shows():
    r = result([0.1, -0.2], [0.5, 0.01], 0.05)
    r.scenario_name = "<b>demo</b>"
    page = render_html(r, {})
    assert "<b>demo</b>" not in page and "&lt;b&gt;demo&lt;/b&gt;" in page
