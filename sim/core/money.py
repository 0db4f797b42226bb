"""Money: the scenario's currency (an ISO 4217 code) and how amounts are written."""

from __future__ import annotations

import math

_CODES = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG ZWL
"""

ISO_4217: frozenset[str] = frozenset(_CODES.split())
"""Active ISO 4217 currency codes (source: ISO 4217 list one, 2025; funds, precious metals and
testing codes left out)."""

DEFAULT_CURRENCY = "USD"


def check_currency(code: str) -> str:
    """Return ``code`` if it is an active ISO 4217 currency code; raise ValueError naming it."""
    if code not in ISO_4217:
        hint = f" (did you mean {code.upper()!r}?)" if code.upper() in ISO_4217 else ""
        raise ValueError(f"not an ISO 4217 currency code such as USD, EUR or GBP{hint}")
    return code


def format_money(value: float, currency: str = DEFAULT_CURRENCY, signed: bool = False) -> str:
    """An amount with the currency code, thousands separators and no decimals.

    Args:
        value: The amount.
        currency: ISO 4217 code written before it.
        signed: Write a ``+`` before a positive amount (for differences).

    Returns:
        E.g. ``USD 61,234`` or ``USD -1,500``; ``n/a`` when the value is not finite.
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:{'+' if signed else ''},.0f}"
    if text.lstrip("+-") == "0":
        text = "0"  # no "-0" or "+0"
    return f"{currency} {text}"
