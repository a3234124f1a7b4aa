"""The audit log: entries round-trip, filter, page and count, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from interloom.storage.audit import (
    AuditEntry,
    add_audit_entry,
    count_audit_entries,
    list_audit_entries,
)
from interloom.storage.database import Database

SNAPSHOT = {
    "lifecycle": "live",
    "owners": ["ann", "bob"],
    "limits": {"rps": 50, "burst": 2.5, "strict": True, "note": None},
    "title": "Kundenübersicht — 顧客",
}


async def add(database: Database, actor: str, entity: str, n: int) -> AuditEntry:
    async with database.transaction() as session:
        return await add_audit_entry(
            session,
            actor=actor,
            action="interface.lifecycle.set",
            entity=entity,
            before={"n": n - 1},
            after={"n": n},
            request_id=f"req-{n}",
        )


async def test_an_entry_reads_back_as_written_with_a_utc_timestamp(database: Database) -> None:
    before = datetime.now(UTC)
    async with database.transaction() as session:
        written = await add_audit_entry(
            session,
            actor="ann",
            action="interface.lifecycle.set",
            entity="interface:crm.customers.get",
            before=None,
            after=SNAPSHOT,
            request_id="req-1",
        )

    async with database.session() as session:
        [read] = await list_audit_entries(session)

    assert read == written
    assert read.before is None
    assert read.after == SNAPSHOT
    assert read.request_id == "req-1"
    assert read.occurred_at.utcoffset() == timedelta(0)
    assert before <= read.occurred_at <= datetime.now(UTC)


async def test_json_comes_back_as_json_would_give_it(database: Database) -> None:
    async with database.transaction() as session:
        written = await add_audit_entry(
            session,
            actor="ann",
            action="a.b",
            entity="interface:a",
            before=["x", ("y", 1)],
            after={"ids": (1, 2)},
        )

    async with database.session() as session:
        [read] = await list_audit_entries(session)

    assert written.before == read.before == ["x", ["y", 1]]
    assert written.after == read.after == {"ids": [1, 2]}


@pytest.mark.parametrize("after", [{"when": datetime.now(UTC)}, {"ratio": float("nan")}])
async def test_a_snapshot_that_is_not_json_is_refused_and_nothing_is_stored(
    database: Database, after: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match="after is not JSON"):
        async with database.transaction() as session:
            await add_audit_entry(
                session,
                actor="ann",
                action="a.b",
                entity="interface:a",
                before=None,
                after=after,
            )

    async with database.session() as session:
        assert await count_audit_entries(session) == 0


async def test_entries_list_newest_first_one_page_at_a_time(database: Database) -> None:
    for n in range(1, 6):
        await add(database, "ann", "interface:a", n)

    async with database.session() as session:
        pages = [
            [entry.after for entry in await list_audit_entries(session, limit=2, offset=offset)]
            for offset in (0, 2, 4, 6)
        ]
        everything = await list_audit_entries(session)

    assert pages == [[{"n": 5}, {"n": 4}], [{"n": 3}, {"n": 2}], [{"n": 1}], []]
    assert [entry.occurred_at for entry in everything] == sorted(
        (entry.occurred_at for entry in everything), reverse=True
    )


async def test_entries_filter_by_entity_and_actor_and_count_alike(database: Database) -> None:
    await add(database, "ann", "interface:a", 1)
    await add(database, "bob", "interface:a", 2)
    await add(database, "ann", "interface:b", 3)
    await add(database, "bob", "interface:b", 4)
    await add(database, "ann", "interface:a", 5)

    async with database.session() as session:
        by_entity = await list_audit_entries(session, entity="interface:a")
        by_actor = await list_audit_entries(session, actor="bob")
        by_both = await list_audit_entries(session, entity="interface:a", actor="ann")
        counts = [
            await count_audit_entries(session),
            await count_audit_entries(session, entity="interface:a"),
            await count_audit_entries(session, actor="bob"),
            await count_audit_entries(session, entity="interface:a", actor="ann"),
            await count_audit_entries(session, entity="interface:zzz"),
        ]

    assert [entry.after for entry in by_entity] == [{"n": 5}, {"n": 2}, {"n": 1}]
    assert [entry.after for entry in by_actor] == [{"n": 4}, {"n": 2}]
    assert [entry.after for entry in by_both] == [{"n": 5}, {"n": 1}]
    assert counts == [5, 3, 2, 2, 0]


async def test_ids_grow_with_each_entry(database: Database) -> None:
    first = await add(database, "ann", "interface:a", 1)
    second = await add(database, "ann", "interface:a", 2)

    assert second.id > first.id


async def test_a_negative_page_is_refused(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(ValueError, match="must not be negative"):
            await list_audit_entries(session, limit=-1)
