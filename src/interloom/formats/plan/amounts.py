"""Working-time amounts between the plan's words (``5d``, ``4h``) and other tools' numbers.

MS Project XML writes durations as ISO 8601 (``PT40H0M0S``: forty working hours) and lags in
tenths of a minute; a CSV holds ``2d`` or Jira's ``1w 2d 4h``. The plan keeps the unit people
chose, so an amount comes back in the unit it left in whenever that is exact.
"""

from __future__ import annotations

import re

_ISO = re.compile(
    r"^(?P<sign>-)?P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)

UNIT_MINUTES = {"m": 1, "h": 60}
"""Minutes in one unit of fixed length; days and weeks depend on the calendar."""


def parse_iso_duration(text: str) -> float:
    """Minutes in an ISO 8601 duration (``PT8H30M0S`` is 510; a ``D`` counts 24 hours)."""
    match = _ISO.match(text.strip())
    if match is None or text.strip() in ("P", "PT", "-P"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as PT8H0M0S")
    minutes = (
        float(match["days"] or 0) * 1440
        + float(match["hours"] or 0) * 60
        + float(match["minutes"] or 0)
        + float(match["seconds"] or 0) / 60
    )
    return -minutes if match["sign"] else minutes


def format_iso_duration(minutes: float) -> str:
    """Minutes as MS Project writes a duration: ``PT8H0M0S``, to the second."""
    seconds = round(abs(minutes) * 60)
    sign = "-" if minutes < 0 and seconds else ""
    return f"{sign}PT{seconds // 3600}H{seconds % 3600 // 60}M{seconds % 60}S"


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def unit_minutes(unit: str, minutes_per_day: int) -> int:
    """Minutes in one ``m``, ``h``, ``d`` or ``w`` (five working days)."""
    per = {"m": 1, "h": 60, "d": minutes_per_day, "w": 5 * minutes_per_day}
    return per[unit]


def amount_text(minutes: float, minutes_per_day: int, prefer: str | None = None) -> str:
    """Working minutes as a plan amount: in ``prefer`` (days by default) when exact, else in
    whole days, whole hours or minutes.

    An amount is exact in a unit when up to four decimals hold it (``1.5d`` for 720 minutes;
    160 minutes are ``160m``, not ``0.3333d``).
    """
    whole = round(minutes)
    prefer = prefer or "d"
    for unit in (prefer, "d", "h"):
        per = unit_minutes(unit, minutes_per_day)
        text = _number(whole / per)
        if abs(float(text) * per - whole) < 1e-6 and (unit == prefer or whole % per == 0):
            return f"{text}{unit}"
    return f"{whole}m"


def amount_minutes(text: str, minutes_per_day: int) -> int:
    """A normalised plan amount (``5d``, ``-4h``, not a percentage) in working minutes."""
    return round(float(text[:-1]) * unit_minutes(text[-1], minutes_per_day))
