"""The database schema: every table Interloom keeps records in, as SQLAlchemy Core."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored as UTC and read back as UTC on every backend."""

    # SQLite keeps no offset: its driver writes the wall-clock digits and reads them back naive,
    # so everything is converted to UTC on the way in and labelled UTC on the way out.
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC; refuse a naive one, whose instant is unknown."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} has no timezone; pass an aware one"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored instant as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "occurred_at",
        UTCDateTime(),
        nullable=False,
        default=_now,
        server_default=sa.func.current_timestamp(),
    ),
    sa.Column("actor", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("entity", sa.String, nullable=False),
    sa.Column("before", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("after", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("request_id", sa.String, nullable=True),
    sa.Index("ix_audit_log_entity_occurred_at", "entity", "occurred_at"),
    # AUTOINCREMENT keeps SQLite from reusing the id of a deleted newest row.
    sqlite_autoincrement=True,
)

interface_states = sa.Table(
    "interface_states",
    metadata,
    sa.Column("interface_ref", sa.String, primary_key=True),
    sa.Column("lifecycle", sa.String, nullable=False),
    sa.Column(
        "updated_at",
        UTCDateTime(),
        nullable=False,
        default=_now,
        server_default=sa.func.current_timestamp(),
    ),
    sa.Column("updated_by", sa.String, nullable=False),
)

# --- the durable message store (storage/message_store.py) --------------------------------
# One row per message for its whole life: ready (leasable), waiting (behind an older message
# of its ordering key) or dead; delivered messages are deleted. A lease is a narrow row of its
# own, so taking one never rewrites the message and its body. Times are seconds since the epoch.

MESSAGE_STATES = ("ready", "waiting", "dead")

messages = sa.Table(
    "messages",
    metadata,
    # The arrival order: SQLite's rowid (INTEGER PRIMARY KEY), a sequence on PostgreSQL.
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("id", sa.String, nullable=False),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("key", sa.String, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    # When the message may be leased (a retry's delay ends); for a dead letter, when it died.
    sa.Column("available_at", sa.Double, nullable=False),
    # The latest failure; for a dead letter, the one that sent it there.
    sa.Column("error", sa.String, nullable=True),
    sa.Column("step", sa.String, nullable=True),
    sa.Column("history", sa.JSON, nullable=True),
    sa.UniqueConstraint("id"),
    sa.CheckConstraint("state IN ('ready', 'waiting', 'dead')", name="state"),
    sa.Index(
        "ix_messages_ready",
        "flow",
        "available_at",
        "seq",
        sqlite_where=sa.text("state = 'ready'"),
        postgresql_where=sa.text("state = 'ready'"),
    ),
    sa.Index(
        "ix_messages_key_order",
        "flow",
        "key",
        "state",
        "seq",
        sqlite_where=sa.text("key IS NOT NULL"),
        postgresql_where=sa.text("key IS NOT NULL"),
    ),
    sa.Index(
        "ix_messages_dead",
        "flow",
        "seq",
        sqlite_where=sa.text("state = 'dead'"),
        postgresql_where=sa.text("state = 'dead'"),
    ),
)

# A ready message with a lease row whose expires_at is still ahead is leased; once it has
# passed, the message may be leased again and the try that lease was for counts as failed.
message_leases = sa.Table(
    "message_leases",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("owner", sa.String, nullable=False),
    sa.Column("expires_at", sa.Double, nullable=False),
)

# A flow's counts are the sums over its shards: each PostgreSQL connection adds to a shard
# of its own, so that concurrent transactions do not queue on one row (SQLite uses shard 0).
flow_counters = sa.Table(
    "flow_counters",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("received", sa.BigInteger, nullable=False),
    sa.Column("delivered", sa.BigInteger, nullable=False),
    sa.Column("dead_lettered", sa.BigInteger, nullable=False),
)
