import pytest

from sim import load_scenario
from sim.core.money import ISO_4217, format_money
from sim.model.scenario import ScenarioError


def test_amounts_have_the_code_thousands_separators_and_no_decimals():
    assert format_money(61234.4, "EUR") == "EUR 61,234"
    assert format_money(-1500.6, "USD") == "USD -1,501"
    assert format_money(1234567.0, "JPY", signed=True) == "JPY +1,234,567"
    assert format_money(-0.3, "USD") == "USD 0"
    assert format_money(float("nan"), "USD") == "n/a"


def test_currency_defaults_to_usd_and_must_be_an_iso_code():
    assert load_scenario(None).currency == "USD"
    assert load_scenario({"currency": "CHF"}).currency == "CHF"
    assert {"USD", "EUR", "GBP", "JPY", "INR", "CHF"} <= ISO_4217
    for bad, hint in (("eur", "did you mean 'EUR'"), ("XYZ", "ISO 4217"), ("US$", "ISO 4217")):
        with pytest.raises(ScenarioError) as err:
            load_scenario({"currency": bad})
        (message,) = err.value.errors
        assert message.startswith("currency: ") and hint in message and repr(bad) in message
