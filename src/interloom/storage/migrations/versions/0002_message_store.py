"""The durable message store: messages, their leases and per-flow counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READY = "state = 'ready'"


def upgrade() -> None:
    """Create the messages with their indexes, the leases and the flow counters."""
    op.create_table(
        "messages",
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
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_messages")),
        sa.UniqueConstraint("id", name=op.f("uq_messages_id")),
        sa.CheckConstraint("state IN ('ready', 'waiting', 'dead')", name=op.f("ck_messages_state")),
    )
    op.create_index(
        "ix_messages_ready",
        "messages",
        ["flow", "available_at", "seq"],
        unique=False,
        sqlite_where=sa.text(_READY),
        postgresql_where=sa.text(_READY),
    )
    op.create_index(
        "ix_messages_key_order",
        "messages",
        ["flow", "key", "state", "seq"],
        unique=False,
        sqlite_where=sa.text("key IS NOT NULL"),
        postgresql_where=sa.text("key IS NOT NULL"),
    )
    op.create_index(
        "ix_messages_dead",
        "messages",
        ["flow", "seq"],
        unique=False,
        sqlite_where=sa.text("state = 'dead'"),
        postgresql_where=sa.text("state = 'dead'"),
    )
    op.create_table(
        "message_leases",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_message_leases")),
    )
    op.create_table(
        "flow_counters",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("dead_lettered", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("flow", "shard", name=op.f("pk_flow_counters")),
    )


def downgrade() -> None:
    """Drop the flow counters, the leases and the messages with their indexes."""
    op.drop_table("flow_counters")
    op.drop_table("message_leases")
    op.drop_index("ix_messages_dead", table_name="messages")
    op.drop_index("ix_messages_key_order", table_name="messages")
    op.drop_index("ix_messages_ready", table_name="messages")
    op.drop_table("messages")
