from sim.docgen import scenarios_markdown
from sim.scenario import Scenario
from tests.conftest import ROOT


def test_scenarios_doc_matches_the_schema():
    on_disk = (ROOT / "docs" / "SCENARIOS.md").read_text()
    assert on_disk == scenarios_markdown(), "docs/SCENARIOS.md is stale: run `mentorsim docs`"


def test_every_field_is_documented():
    text = scenarios_markdown()
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.split("|")]
            assert cells[6], f"field without a one-line meaning: {cells[1]}"
    assert (
        "`organization.network.rewiring`" in text and "`arms.N.program.cadence_per_month`" in text
    )
    for name in Scenario.model_fields:
        assert f"| `{name}` |" in text, f"top-level field {name} has no row"
