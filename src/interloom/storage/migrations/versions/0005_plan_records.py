"""Plan records: task updates (who reported what, when) and named baselines.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the task updates and the baselines."""
    op.create_table(
        "plan_task_updates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("percent_complete", sa.Float(), nullable=True),
        sa.Column("actual_start", sa.String(), nullable=True),
        sa.Column("actual_finish", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("remaining_duration", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_updates")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_plan_task_updates_task_recorded_at",
        "plan_task_updates",
        ["task", "recorded_at"],
        unique=False,
    )
    op.create_table(
        "plan_baselines",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(), nullable=False),
        sa.Column("status_date", sa.String(), nullable=True),
        sa.Column("task_count", sa.Integer(), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_plan_baselines")),
    )


def downgrade() -> None:
    """Drop the baselines and the task updates."""
    op.drop_table("plan_baselines")
    op.drop_index("ix_plan_task_updates_task_recorded_at", table_name="plan_task_updates")
    op.drop_table("plan_task_updates")
