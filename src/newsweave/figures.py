"""Figures a sentence states, as one value whatever the writing ("£10 million" and "£10m"):
two reports telling one figure tell one thing (coverage: no outlet's own fact; timeline: one
event)."""

from __future__ import annotations

import re

#: a figure as a sentence states it: an optional currency, the number, an optional scale
#: ("£10 million", "£10m", "$4.5bn", "31,000")
_AMOUNT = re.compile(
    r"(?<![\w.,])([$£€¥]\s?)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
    r"(?:\s?(thousand|million|billion|trillion|m|bn|k)\b)?", re.IGNORECASE)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
          "trillion": 1e12}


def amounts(text: str) -> frozenset[float]:
    """The figures a sentence states that name one thing: money, or a number of 10 or more,
    its scale applied ("£10 million" and "£10m" are both 10,000,000); a year is none."""
    out = set()
    for m in _AMOUNT.finditer(text):
        currency, whole, fraction, scale = m.groups()
        if scale and scale.lower() in ("m", "bn", "k") and not currency:
            scale = None  # "a 30m wall" is metres: only money takes the short scales
        value = float(whole.replace(",", "") + (f".{fraction}" if fraction else ""))
        if not currency and not scale and (value < 10 or (
                len(whole) == 4 and 1800 <= value <= 2100)):
            continue
        out.add(value * _SCALE.get((scale or "").lower(), 1.0))
    return frozenset(out)
