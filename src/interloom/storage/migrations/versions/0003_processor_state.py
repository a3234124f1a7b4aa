"""The state of stateful processors: aggregator groups and their items, dedupe keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the aggregator groups and items and the dedupe keys, with their indexes."""
    op.create_table(
        "aggregate_groups",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("due_at", sa.Double(), nullable=True),
        sa.Column("claimed_until", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aggregate_groups")),
        sa.CheckConstraint("state IN ('open', 'complete')", name=op.f("ck_aggregate_groups_state")),
    )
    op.create_index(
        "ix_aggregate_groups_open_key",
        "aggregate_groups",
        ["flow", "step", "key"],
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    )
    op.create_index("ix_aggregate_groups_due_at", "aggregate_groups", ["due_at"], unique=False)
    op.create_index(
        "ix_aggregate_groups_complete",
        "aggregate_groups",
        ["id"],
        unique=False,
        sqlite_where=sa.text("state = 'complete'"),
        postgresql_where=sa.text("state = 'complete'"),
    )
    op.create_table(
        "aggregate_items",
        sa.Column("group_id", _ID, autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("item", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "position", name=op.f("pk_aggregate_items")),
        sa.UniqueConstraint(
            "flow", "step", "message_id", name=op.f("uq_aggregate_items_flow_step_message_id")
        ),
    )
    op.create_table(
        "dedupe_keys",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("step", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("seen_at", sa.Double(), nullable=False),
        sa.Column("rank", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("flow", "step", "key", name=op.f("pk_dedupe_keys")),
    )
    op.create_index(
        "ix_dedupe_keys_seen_at", "dedupe_keys", ["flow", "step", "seen_at"], unique=False
    )
    op.create_index("ix_dedupe_keys_rank", "dedupe_keys", ["flow", "step", "rank"], unique=False)


def downgrade() -> None:
    """Drop the dedupe keys, the aggregator items and groups, with their indexes."""
    op.drop_index("ix_dedupe_keys_rank", table_name="dedupe_keys")
    op.drop_index("ix_dedupe_keys_seen_at", table_name="dedupe_keys")
    op.drop_table("dedupe_keys")
    op.drop_table("aggregate_items")
    op.drop_index("ix_aggregate_groups_complete", table_name="aggregate_groups")
    op.drop_index("ix_aggregate_groups_due_at", table_name="aggregate_groups")
    op.drop_index("ix_aggregate_groups_open_key", table_name="aggregate_groups")
    op.drop_table("aggregate_groups")
