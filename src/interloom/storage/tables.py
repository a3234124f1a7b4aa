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
    # Every process reads the newest pause/resume and recording switch of each flow by action.
    sa.Index("ix_audit_log_action_entity_id", "action", "entity", "id"),
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
# of its ordering key) or dead; then done (delivered, filtered or discarded): the row stays,
# without its body, so that its id is remembered for the retention window, then is swept. A
# lease is a narrow row of its own, so taking one never rewrites the message and its body.
# Times are seconds since the epoch.

MESSAGE_STATES = ("ready", "waiting", "dead", "done")

# Ids, flows and keys are only ever compared for equality: on PostgreSQL they compare byte by
# byte (collation "C"), not by the database's locale (measured: a put costs 20 % less).
BYTEWISE = sa.String().with_variant(sa.String(collation="C"), "postgresql")

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
    sa.Column("id", BYTEWISE, nullable=False),
    sa.Column("flow", BYTEWISE, nullable=False),
    sa.Column("key", BYTEWISE, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    # When the message may be leased (a retry's delay ends); for a dead letter, when it died;
    # for a done message, when it finished.
    sa.Column("available_at", sa.Double, nullable=False),
    # The latest failure; for a dead letter, the one that sent it there.
    sa.Column("error", sa.String, nullable=True),
    sa.Column("step", sa.String, nullable=True),
    sa.Column("history", sa.JSON, nullable=True),
    # Whether the id is kept once the message is done; false for an id made up on arrival.
    sa.Column("remember", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("id"),
    sa.CheckConstraint("state IN ('ready', 'waiting', 'dead', 'done')", name="state"),
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
    # The sweep of expired ids takes the oldest finished messages first.
    sa.Index(
        "ix_messages_done",
        "available_at",
        sqlite_where=sa.text("state = 'done'"),
        postgresql_where=sa.text("state = 'done'"),
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
    # Messages a step dropped after they were stored (so that they are not shown delivered).
    sa.Column("filtered", sa.BigInteger, nullable=False, server_default=sa.text("0")),
)

# --- the state of stateful processors (storage/processor_state.py) -------------------------
# An aggregator's groups: one row per group, open while it collects, complete once its count
# is reached or its time is up (a new group of the same key may then open beside it). A
# complete group is claimed by whoever emits it, for a while, like a lease; emitting it
# deletes it with its items. Times are seconds since the epoch.

aggregate_groups = sa.Table(
    "aggregate_groups",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("step", sa.String, nullable=False),
    sa.Column("key", sa.String, nullable=False),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.Double, nullable=False),
    sa.Column("last_at", sa.Double, nullable=False),
    # When time completes the group (its window ends, or it waited max_wait for an item).
    sa.Column("due_at", sa.Double, nullable=True),
    sa.Column("claimed_until", sa.Double, nullable=True),
    sa.CheckConstraint("state IN ('open', 'complete')", name="state"),
    sa.Index(
        "ix_aggregate_groups_open_key",
        "flow",
        "step",
        "key",
        unique=True,
        sqlite_where=sa.text("state = 'open'"),
        postgresql_where=sa.text("state = 'open'"),
    ),
    sa.Index("ix_aggregate_groups_due_at", "due_at"),
    sa.Index(
        "ix_aggregate_groups_complete",
        "id",
        sqlite_where=sa.text("state = 'complete'"),
        postgresql_where=sa.text("state = 'complete'"),
    ),
)

# A message is collected once per aggregator: a redelivery finds it there and adds nothing.
aggregate_items = sa.Table(
    "aggregate_items",
    metadata,
    sa.Column(
        "group_id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("flow", sa.String, nullable=False),
    sa.Column("step", sa.String, nullable=False),
    sa.Column("message_id", sa.String, nullable=False),
    sa.Column("item", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("flow", "step", "message_id"),
)

# A dedupe step's keys: the message that first carried each, when, and its rank (for a
# window counted in keys rather than time).
dedupe_keys = sa.Table(
    "dedupe_keys",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("step", sa.String, primary_key=True),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("message_id", sa.String, nullable=False),
    sa.Column("seen_at", sa.Double, nullable=False),
    sa.Column("rank", sa.BigInteger, nullable=False),
    sa.Index("ix_dedupe_keys_seen_at", "flow", "step", "seen_at"),
    sa.Index("ix_dedupe_keys_rank", "flow", "step", "rank"),
)

# --- the state of background sources (storage/connector_state.py) ---------------------------
# One row per source of a flow: its state (a cursor, the last tick fired) as the connector
# saved it once the messages it read were persisted, and the process that runs it for now
# (a lease: with several server processes, one of them runs each source).

connector_state = sa.Table(
    "connector_state",
    metadata,
    sa.Column("flow", sa.String, primary_key=True),
    sa.Column("slot", sa.String, primary_key=True),
    sa.Column("connector", sa.String, nullable=False),
    sa.Column("state", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("owner", sa.String, nullable=True),
    sa.Column("lease_until", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
)

# --- plan records (storage/plan_records.py) -------------------------------------------------
# What people report on the plan's tasks, one row per report (history is kept: the schedule
# applies them in order over the plan files), and named baselines: snapshots of every task's
# dates, duration and cost. Plan moments are wall-clock dates or date-times on the project's
# calendars, so they are kept as ISO text (a bare date and midnight mean different things).

plan_task_updates = sa.Table(
    "plan_task_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task", sa.String, nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("author", sa.String, nullable=False),
    sa.Column("percent_complete", sa.Float, nullable=True),
    sa.Column("actual_start", sa.String, nullable=True),
    sa.Column("actual_finish", sa.String, nullable=True),
    sa.Column("status", sa.String, nullable=True),
    sa.Column("remaining_duration", sa.String, nullable=True),
    sa.Column("note", sa.String, nullable=True),
    sa.Index("ix_plan_task_updates_task_recorded_at", "task", "recorded_at"),
    sqlite_autoincrement=True,
)

plan_baselines = sa.Table(
    "plan_baselines",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("saved_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("saved_by", sa.String, nullable=False),
    sa.Column("status_date", sa.String, nullable=True),
    sa.Column("task_count", sa.Integer, nullable=False),
    # {task id: {start, finish, duration_minutes, cost}}, moments as ISO text.
    sa.Column("tasks", sa.JSON, nullable=False),
)

# --- risks raised by signals, and change requests' workflow (storage/risk_records.py,
# storage/change_records.py) -----------------------------------------------------------------
# Declared risks and change requests are definitions in plan files; what happens to them is
# kept here: one automatic risk per signal kind and reference (reopened when the signal comes
# back), every signal received, and the workflow state of each change request (its history of
# transitions is in the audit log).

automatic_risks = sa.Table(
    "automatic_risks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String, nullable=False),  # "kind|ref": one risk per signal kind and ref
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("ref", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("category", sa.String, nullable=False),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("impact", sa.JSON, nullable=False),
    sa.Column("response_plan", sa.String, nullable=True),
    sa.Column("tasks", sa.JSON, nullable=False),
    sa.Column("refs", sa.JSON, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("occurrences", sa.Integer, nullable=False),
    sa.Column("raised_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("updated_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("closed_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("key"),
    sqlite_autoincrement=True,
)

risk_signals = sa.Table(
    "risk_signals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("ref", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("cleared", sa.Boolean, nullable=False),
    sa.Column("evidence", sa.JSON, nullable=False),
    sa.Column("risk_id", sa.Integer, nullable=True),
    sa.Index("ix_risk_signals_kind_ref_received_at", "kind", "ref", "received_at"),
    sqlite_autoincrement=True,
)

change_request_states = sa.Table(
    "change_request_states",
    metadata,
    sa.Column("change_id", sa.String, primary_key=True),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False, default=_now),
    sa.Column("updated_by", sa.String, nullable=False),
    # The impact analysis when it was assessed, as shown to whoever approves it.
    sa.Column("assessment", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("note", sa.String, nullable=True),
    sa.Column("emergency_reason", sa.String, nullable=True),
)
