"""Automatic risks, the signals that raise them, and change requests' workflow states.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the automatic risks, the signal log and the change request states."""
    op.create_table(
        "automatic_risks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("impact", sa.JSON(), nullable=False),
        sa.Column("response_plan", sa.String(), nullable=True),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automatic_risks")),
        sa.UniqueConstraint("key", name=op.f("uq_automatic_risks_key")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "risk_signals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("ref", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_signals")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_risk_signals_kind_ref_received_at",
        "risk_signals",
        ["kind", "ref", "received_at"],
        unique=False,
    )
    op.create_table(
        "change_request_states",
        sa.Column("change_id", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("emergency_reason", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_change_request_states")),
    )


def downgrade() -> None:
    """Drop the change request states, the signal log and the automatic risks."""
    op.drop_table("change_request_states")
    op.drop_index("ix_risk_signals_kind_ref_received_at", table_name="risk_signals")
    op.drop_table("risk_signals")
    op.drop_table("automatic_risks")
