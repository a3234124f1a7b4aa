"""Column types that behave alike on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError

from interloom.storage.database import Database
from interloom.storage.tables import interface_states

INDIA = timezone(timedelta(hours=5, minutes=30))


async def test_a_timestamp_in_any_zone_reads_back_as_the_same_instant_in_utc(
    database: Database,
) -> None:
    written = datetime(2024, 3, 31, 1, 30, 15, 123456, tzinfo=INDIA)
    async with database.transaction() as session:
        await session.execute(
            sa.insert(interface_states).values(
                interface_ref="interface:a", lifecycle="live", updated_at=written, updated_by="ann"
            )
        )

    async with database.session() as session:
        read = (await session.execute(sa.select(interface_states.c.updated_at))).scalar_one()

    assert read == written
    assert read.tzinfo == UTC
    assert read.isoformat() == "2024-03-30T20:00:15.123456+00:00"


async def test_a_timestamp_without_zone_is_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="has no timezone"):
        async with database.transaction() as session:
            await session.execute(
                sa.insert(interface_states).values(
                    interface_ref="interface:a",
                    lifecycle="live",
                    updated_at=datetime(2024, 3, 31, 1, 30),
                    updated_by="ann",
                )
            )


async def test_the_database_fills_in_the_time_of_a_row_written_without_it(
    database: Database,
) -> None:
    async with database.transaction() as session:
        await session.execute(
            sa.text(
                "INSERT INTO interface_states (interface_ref, lifecycle, updated_by) "
                "VALUES ('interface:a', 'live', 'ann')"
            )
        )

    async with database.session() as session:
        read = (await session.execute(sa.select(interface_states.c.updated_at))).scalar_one()

    assert read.tzinfo == UTC
    assert abs(datetime.now(UTC) - read) < timedelta(minutes=1)
