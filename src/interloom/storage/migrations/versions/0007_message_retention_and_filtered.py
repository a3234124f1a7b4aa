"""The message store remembers finished messages' ids, and counts filtered messages.

A message that is delivered, filtered or discarded becomes ``done``: its row stays, without
its body, for the retention window (swept oldest first by ``ix_messages_done``), unless it
was put with ``remember`` false. The flow counters get a ``filtered`` column. On PostgreSQL
the messages' id, flow and key compare byte by byte (collation "C").

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATES = "state IN ('ready', 'waiting', 'dead', 'done')"
_STATES_BEFORE = "state IN ('ready', 'waiting', 'dead')"
_DONE = "state = 'done'"


def _messages(states: str) -> sa.Table:
    """The messages table as of revision 0002, with the states check given.

    SQLite cannot change a check constraint in place: the table is copied, and the copy is
    made from this definition rather than from reflection, which loses partial indexes.
    """
    ready, keyed, dead = "state = 'ready'", "key IS NOT NULL", "state = 'dead'"
    return sa.Table(
        "messages",
        sa.MetaData(),
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("available_at", sa.Double(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("step", sa.String(), nullable=True),
        sa.Column("history", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_messages"),
        sa.UniqueConstraint("id", name="uq_messages_id"),
        sa.CheckConstraint(states, name="ck_messages_state"),
        sa.Index("ix_messages_ready", "flow", "available_at", "seq", sqlite_where=sa.text(ready)),
        sa.Index(
            "ix_messages_key_order", "flow", "key", "state", "seq", sqlite_where=sa.text(keyed)
        ),
        sa.Index("ix_messages_dead", "flow", "seq", sqlite_where=sa.text(dead)),
    )


def _remember() -> sa.Column[bool]:
    return sa.Column("remember", sa.Boolean(), nullable=False, server_default=sa.true())


def _change_messages(before: str, after: str, *, remember: bool) -> None:
    """Change the states check, and add (or drop) the remember column."""
    if op.get_bind().dialect.name == "sqlite":
        table = _messages(before)
        if not remember:
            table.append_column(_remember())
        with op.batch_alter_table("messages", recreate="always", copy_from=table) as batch:
            batch.drop_constraint(op.f("ck_messages_state"), type_="check")
            batch.create_check_constraint(op.f("ck_messages_state"), sa.text(after))
            if remember:
                batch.add_column(_remember())
            else:
                batch.drop_column("remember")
        return
    op.drop_constraint(op.f("ck_messages_state"), "messages", type_="check")
    op.create_check_constraint(op.f("ck_messages_state"), "messages", sa.text(after))
    if remember:
        op.add_column("messages", _remember())
    else:
        op.drop_column("messages", "remember")
    # The indexes on these columns are rebuilt; the rows are not rewritten.
    collation = sa.String(collation="C") if remember else sa.String()
    for column in ("id", "flow", "key"):
        op.alter_column("messages", column, type_=collation, existing_nullable=column == "key")


def upgrade() -> None:
    """Allow the done state, index it for the sweep, and add the filtered counter."""
    _change_messages(_STATES_BEFORE, _STATES, remember=True)
    op.create_index(
        "ix_messages_done",
        "messages",
        ["available_at"],
        unique=False,
        sqlite_where=sa.text(_DONE),
        postgresql_where=sa.text(_DONE),
    )
    with op.batch_alter_table("flow_counters") as batch:
        batch.add_column(
            sa.Column("filtered", sa.BigInteger(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    """Forget the finished messages' ids and the filtered counts (counted as delivered)."""
    op.execute("UPDATE flow_counters SET delivered = delivered + filtered WHERE filtered <> 0")
    with op.batch_alter_table("flow_counters") as batch:
        batch.drop_column("filtered")
    op.drop_index("ix_messages_done", table_name="messages")
    op.execute("DELETE FROM messages WHERE state = 'done'")
    _change_messages(_STATES, _STATES_BEFORE, remember=False)
