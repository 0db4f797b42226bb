"""Numbers and outcomes in words: the one place the report and the terminal take them from.

Shares are written as percentages (their differences in points), money with the scenario's
currency code, thousands separators and no decimals, everything else with three significant
digits. Outcomes are named by their plain label from the catalog.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sim.core.money import DEFAULT_CURRENCY, format_money
from sim.model.outcomes import CATALOG, is_share, label_of, unit_of

_WEEKLY = {o.name: o.weekly for o in CATALOG}

UNIT_WORDS: dict[str, str] = {
    "": "",
    "-": "",
    "ratio": "",
    "skill (0-1)": "on the 0-1 skill scale",
    "attitude (0-1)": "on the 0-1 attitude scale",
    "engagement (0-1)": "on the 0-1 engagement scale",
    "quality (0-1)": "on the 0-1 quality scale",
    "index (-1..1)": "on the -1..1 index",
}
"""How a difference's unit reads after the number; other units are written as they are."""


ARTICLE = frozenset(
    {
        "digital_skill_gap",
        "ideas_per_100_per_year",
        "implemented_per_100_per_year",
        "match_rate",
        "net_benefit",
        "roi",
    }
)
"""Outcomes whose name reads with "the" in a sentence ("raised the idea rate")."""


def decimals(*values: float, digits: int = 3) -> int:
    """Decimals that give ``digits`` significant digits to the largest magnitude."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if top == 0:
        return 2
    return max(0, min(6, digits - 1 - math.floor(math.log10(top))))


def number(value: float, places: int, signed: bool = False) -> str:
    """``value`` with ``places`` decimals (and a sign); never ``-0.0``; ``n/a`` if not finite."""
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:{'+' if signed else ''}.{places}f}"
    if float(text) == 0:
        text = text.lstrip("+-")
    return text


def is_money(outcome: str) -> bool:
    """Whether an outcome is an amount of money (unit ``currency``)."""
    return unit_of(outcome) == "currency"


def unit_text(outcome: str, currency: str = DEFAULT_CURRENCY) -> str:
    """The unit as shown beside a value: ``%`` for shares, the currency code for money."""
    unit = unit_of(outcome)
    if unit == "share":
        return "%"
    if unit == "currency":
        return currency
    return "" if unit in ("-", "ratio") else unit


def value(outcome: str, mean: float, currency: str = DEFAULT_CURRENCY) -> str:
    """One value: ``57.3%``, ``USD 61,234`` or three significant digits."""
    if is_share(outcome):
        return f"{number(100 * mean, 1)}%" if math.isfinite(mean) else "n/a"
    if is_money(outcome):
        return format_money(mean, currency)
    return number(mean, decimals(mean))


def interval(outcome: str, low: float, high: float) -> str:
    """An interval in the value's unit without repeating it: ``[52.1, 62.5]``, ``[50,000, 72,469]``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if is_share(outcome):
        return f"[{number(100 * low, 1)}, {number(100 * high, 1)}]"
    if is_money(outcome):
        return f"[{low:,.0f}, {high:,.0f}]".replace("-0,", "0,")
    d = decimals(low, high)
    return f"[{number(low, d)}, {number(high, d)}]"


def difference(
    outcome: str, diff: float, currency: str = DEFAULT_CURRENCY, words: bool = True
) -> str:
    """A signed difference: ``+4.0 points``, ``USD +61,234``, ``+0.012`` (and its unit).

    Args:
        outcome: The outcome's column name.
        diff: The difference.
        currency: ISO code of money.
        words: Write the unit after the number (``points``, ``on the 0-1 skill scale``);
            a table whose heading gives the unit leaves it out.
    """
    if is_share(outcome):
        return f"{number(100 * diff, 1, signed=True)}{' points' if words else ''}"
    if is_money(outcome):
        return format_money(diff, currency, signed=True)
    unit = UNIT_WORDS.get(unit_of(outcome), unit_of(outcome)) if words else ""
    text = number(diff, decimals(diff), signed=True)
    return f"{text} {unit}".strip()


def difference_interval(outcome: str, low: float, high: float) -> str:
    """A difference's interval, shares in points: ``[2.7, 5.2]``."""
    return interval(outcome, low, high)


def label(outcome: str, horizon: int | None = None) -> str:
    """The plain name of an outcome; a 12-month outcome names its week when the run is shorter."""
    text = label_of(outcome)
    if outcome.startswith("retention_12m") and horizon is not None and horizon < 52:
        text = text.replace("12-month retention", f"Retention at week {horizon}")
    return text


def phrase(outcome: str, horizon: int | None = None) -> str:
    """An outcome in words, with the week its value is taken at.

    Args:
        outcome: The outcome's column name.
        horizon: The run's last week; weekly outcomes are read there (``at week 52``).

    Returns:
        E.g. ``senior adoption at week 52``; ``12-month retention`` (``retention at week H``
        when the horizon H is shorter than 52 weeks).
    """
    label = label_of(outcome)
    text = label[0].lower() + label[1:] if label[1:2].islower() else label
    if outcome in ARTICLE:
        text = f"the {text}"
    if outcome.startswith("retention_12m") and horizon is not None and horizon < 52:
        return f"{text.replace('12-month retention', 'retention')} at week {horizon}"
    if _WEEKLY.get(outcome, False) and horizon is not None:
        text += f" at week {horizon}"
    return text


def difference_sentence(
    row: Mapping[str, Any],
    horizon: int | None = None,
    ci: str = "paired",
    currency: str = DEFAULT_CURRENCY,
) -> str:
    """One plain-language sentence for one arm's difference (plain text).

    The verb follows the sign of the mean difference ("raised ... over", "lowered ... compared
    with"); a reduction's interval is given as magnitudes. When the 95% interval includes zero
    the sentence says "made no clear difference to ..." with the signed difference. The
    interval follows in brackets (the report explains it once, in a footnote).

    Args:
        row: A row of ``results.comparison`` (``arm``, ``against``, ``outcome``, ``diff``,
            ``paired_ci95_low``, ``paired_ci95_high``).
        horizon: The run's last week, for weekly outcomes.
        ci: ``"paired"`` or ``"unpaired"`` interval.
        currency: ISO code of money.

    Returns:
        E.g. ``reverse_mentoring raised senior adoption at week 52 by 4.0 points [2.7, 5.2]
        over no_program``.
    """
    arm, outcome = str(row["arm"]), str(row["outcome"])
    against = str(row.get("against") or row.get("baseline"))
    against = against.removesuffix(", same replications")
    diff = float(row["diff"])
    low, high = float(row[f"{ci}_ci95_low"]), float(row[f"{ci}_ci95_high"])
    what = phrase(outcome, horizon)
    if not all(math.isfinite(v) for v in (diff, low, high)):
        return f"the difference in {what} between {arm} and {against} could not be estimated"
    if low <= 0.0 <= high:
        return (
            f"{arm} made no clear difference to {what} compared with {against}: "
            f"{difference(outcome, diff, currency)} {interval(outcome, low, high)}"
        )
    size = difference(outcome, abs(diff), currency).lstrip("+")
    size = size.replace(" +", " ")
    if diff > 0:
        return f"{arm} raised {what} by {size} {interval(outcome, low, high)} over {against}"
    return (
        f"{arm} lowered {what} by {size} {interval(outcome, -high, -low)} compared with {against}"
    )


__all__ = [
    "decimals",
    "difference",
    "difference_interval",
    "difference_sentence",
    "interval",
    "is_money",
    "label",
    "number",
    "phrase",
    "unit_text",
    "value",
]
