"""Audit entries found by action: every process follows pause and recording switches each second.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index the audit log by action and entity, the newest entry of each found by id."""
    op.create_index(
        "ix_audit_log_action_entity_id", "audit_log", ["action", "entity", "id"], unique=False
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_audit_log_action_entity_id", table_name="audit_log")
