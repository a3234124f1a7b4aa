"""Query and body values the routes share, read as strictly as the OpenAPI document states them.

Pydantic's lax mode would read ``0`` or ``true`` as a date (a Unix timestamp): a client's typo
would then answer with data for 1 January 1970 instead of a 422 that names the parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator, WithJsonSchema

from interloom.core.delivery.activities import PLAN_DAY_PATTERN

_DAY = re.compile(PLAN_DAY_PATTERN)


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        raise ValueError("write the day as YYYY-MM-DD")
    if not _DAY.match(text):
        raise ValueError("write the day as YYYY-MM-DD, in a year from 1900 to 2199")
    return value


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": PLAN_DAY_PATTERN}),
]
"""A day of a plan, written YYYY-MM-DD (RFC 3339 full-date) in a year from 1900 to 2199."""

StatusDate = Annotated[
    IsoDate | None,
    Query(
        description="Progress is known up to the end of this day; default: the plan's, else today."
    ),
]
