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


# ---------------------------------------------------------------------- documented defaults


def _table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row, split on the ``|`` that are not escaped."""
    import re

    rows = []
    for line in text.splitlines():
        if line.startswith("| `") or (line.startswith("| ") and "| `" in line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows


def _code_default(path: str):
    """The default of a dotted field path, read from the pydantic models (not from docgen)."""
    from pydantic import BaseModel
    from pydantic_core import PydanticUndefined

    from sim.ui.docgen import _model_of

    model, info = Scenario, None
    for part in path.split("."):
        if part in ("N", "PATH"):  # an item of a list or of a mapping
            continue
        info = model.model_fields[part]
        model = _model_of(info.annotation)
    if info.default is not PydanticUndefined:
        value = info.default
    elif info.default_factory is not None:
        value = info.default_factory()
    else:
        return "(required)"
    if isinstance(value, BaseModel):
        return "(block)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return [v.model_dump(mode="json") for v in value]
    return value


def _matches(cell: str, value) -> bool:
    import json

    if cell in ("(required)", "(block)"):
        return cell == value
    assert cell.startswith("`") and cell.endswith("`"), cell
    text = cell[1:-1]
    if text.endswith("..."):  # a long default is cut: the start must match
        return json.dumps(value).startswith(text[:-3])
    return json.loads(text) == value


def test_every_documented_default_equals_the_code_default():
    scenarios = _table_rows((ROOT / "docs" / "SCENARIOS.md").read_text())
    assert len(scenarios) > 100, "the scenario table was found"
    wrong = [
        (cells[0], cells[2])
        for cells in scenarios
        if len(cells) != 8 or not _matches(cells[2], _code_default(cells[0].strip("`")))
    ]
    assert not wrong, f"docs/SCENARIOS.md defaults that differ from the code: {wrong[:5]}"

    odd = [c for c in _table_rows((ROOT / "docs" / "ODD.md").read_text()) if len(c) == 8]
    params = [c for c in odd if c[1].startswith("`")]
    assert len(params) > 50, "the ODD parameter table was found"
    wrong = [
        (block, name, default)
        for block, name, default, *_ in params
        if not _matches(default, _code_default(f"dynamics.{block}.{name.strip('`')}"))
    ]
    assert not wrong, f"docs/ODD.md defaults that differ from the code: {wrong[:5]}"
    mixing = [c for c in params if c[0] == "adoption" and c[1] == "`mixing`"]
    assert mixing and mixing[0][2] == '`"network"`', mixing
