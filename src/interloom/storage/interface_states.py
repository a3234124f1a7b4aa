"""The lifecycle state of each interface, as last set by someone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interloom.storage.tables import interface_states


@dataclass(frozen=True, slots=True)
class InterfaceState:
    """The lifecycle an interface is in, and who put it there when."""

    interface_ref: str
    lifecycle: str
    updated_at: datetime
    updated_by: str


async def get_interface_state(session: AsyncSession, ref: str) -> InterfaceState | None:
    """The state of the interface ref, or None if none was ever set."""
    query = sa.select(interface_states).where(interface_states.c.interface_ref == ref)
    row = (await session.execute(query)).mappings().one_or_none()
    return None if row is None else InterfaceState(**row)


async def set_interface_state(
    session: AsyncSession, ref: str, lifecycle: str, actor: str
) -> InterfaceState:
    """Put the interface ref in lifecycle on behalf of actor, creating its state if needed."""
    state = InterfaceState(
        interface_ref=ref, lifecycle=lifecycle, updated_at=datetime.now(UTC), updated_by=actor
    )
    values = {"lifecycle": lifecycle, "updated_at": state.updated_at, "updated_by": actor}
    exists = sa.select(interface_states.c.interface_ref).where(
        interface_states.c.interface_ref == ref
    )
    if (await session.execute(exists.with_for_update())).first() is None:
        try:
            async with session.begin_nested():
                await session.execute(
                    sa.insert(interface_states).values(interface_ref=ref, **values)
                )
        except IntegrityError:
            pass  # a concurrent transaction created it first: update it like any other
        else:
            return state
    await session.execute(
        sa.update(interface_states).where(interface_states.c.interface_ref == ref).values(**values)
    )
    return state


async def list_interface_states(session: AsyncSession) -> list[InterfaceState]:
    """Every interface state, by reference."""
    query = sa.select(interface_states).order_by(interface_states.c.interface_ref)
    return [InterfaceState(**row) for row in (await session.execute(query)).mappings()]
