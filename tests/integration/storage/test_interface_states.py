"""Interface lifecycle states: read, upserted, listed, and safe under concurrent writers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from interloom.storage.database import Database
from interloom.storage.interface_states import (
    InterfaceState,
    get_interface_state,
    list_interface_states,
    set_interface_state,
)

REF = "interface:crm.customers.get"


async def test_an_interface_never_set_has_no_state(database: Database) -> None:
    async with database.session() as session:
        assert await get_interface_state(session, REF) is None


async def test_setting_a_state_creates_it_then_replaces_it(database: Database) -> None:
    async with database.transaction() as session:
        created = await set_interface_state(session, REF, "draft", "ann")
    async with database.transaction() as session:
        replaced = await set_interface_state(session, REF, "live", "bob")

    async with database.session() as session:
        read = await get_interface_state(session, REF)
        everything = await list_interface_states(session)

    assert read == replaced
    assert everything == [replaced]
    assert (read.lifecycle, read.updated_by) == ("live", "bob")
    assert read.updated_at > created.updated_at
    assert read.updated_at.utcoffset() == timedelta(0)
    assert datetime.now(UTC) - read.updated_at < timedelta(minutes=1)


async def test_states_list_by_reference(database: Database) -> None:
    async with database.transaction() as session:
        for ref in ("interface:wms.stock", "interface:crm.orders", "interface:erp.items"):
            await set_interface_state(session, ref, "live", "ann")

    async with database.session() as session:
        refs = [state.interface_ref for state in await list_interface_states(session)]

    assert refs == ["interface:crm.orders", "interface:erp.items", "interface:wms.stock"]


async def test_two_first_writers_of_one_state_both_succeed_and_the_last_wins(
    database: Database,
) -> None:
    first_wrote, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> InterfaceState:
        async with database.transaction() as session:
            state = await set_interface_state(session, REF, "draft", "ann")
            first_wrote.set()
            await release_first.wait()
            return state

    async def second() -> InterfaceState:
        await first_wrote.wait()
        async with database.transaction() as session:
            return await set_interface_state(session, REF, "live", "bob")

    writers = asyncio.gather(first(), second())
    await first_wrote.wait()
    await asyncio.sleep(0.3)  # the second writer is now blocked behind the first
    release_first.set()
    _, last = await writers

    async with database.session() as session:
        assert await list_interface_states(session) == [last]
    assert (last.lifecycle, last.updated_by) == ("live", "bob")
