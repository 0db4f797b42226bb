import re

from sim.model.scenario import Scenario
from sim.ui.docgen import scenarios_markdown
from tests.conftest import ROOT


def test_scenarios_doc_matches_the_schema():
    on_disk = (ROOT / "docs" / "SCENARIOS.md").read_text()
    assert on_disk == scenarios_markdown(), "docs/SCENARIOS.md is stale: run `mentorsim docs`"


def test_every_field_is_documented():
    text = scenarios_markdown()
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]  # not at escaped \|
            assert cells[6], f"field without a one-line meaning: {cells[1]}"
    assert (
        "`organization.network.rewiring`" in text and "`arms.N.program.cadence_per_month`" in text
    )
    for name in Scenario.model_fields:
        assert f"| `{name}` |" in text, f"top-level field {name} has no row"


def test_odd_parameter_table_matches_the_code():
    from sim.ui.docgen import odd_with_table

    text = (ROOT / "docs" / "ODD.md").read_text()
    assert text == odd_with_table(text), (
        "docs/ODD.md's parameter table is stale: run `mentorsim docs`"
    )


def test_odd_has_every_section_of_the_protocol():
    text = (ROOT / "docs" / "ODD.md").read_text()
    for heading in (
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialization",
        "Input data",
        "Submodels",
    ):
        assert heading in text, heading


def test_odd_lists_every_mechanism_parameter():
    from sim.model.scenario import Dynamics

    text = (ROOT / "docs" / "ODD.md").read_text()
    for block, info in Dynamics.model_fields.items():
        for name in info.annotation.model_fields:
            assert f"| {block} | `{name}` |" in text or f"| {block} | `{name}." in text, (
                f"{block}.{name}"
            )
