"""The state of background sources: their cursors and which process runs each.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the connector state table."""
    op.create_table(
        "connector_state",
        sa.Column("flow", sa.String(), nullable=False),
        sa.Column("slot", sa.String(), nullable=False),
        sa.Column("connector", sa.String(), nullable=False),
        sa.Column("state", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("owner", sa.String(), nullable=True),
        sa.Column("lease_until", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("flow", "slot", name=op.f("pk_connector_state")),
    )


def downgrade() -> None:
    """Drop the connector state table."""
    op.drop_table("connector_state")
