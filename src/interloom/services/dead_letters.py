"""The dead-letter queue: messages that ran out of tries, to inspect, replay or discard.

The same functions serve the API (on the server's open message store) and the CLI (which opens
the project's store itself: the server's workers pick replayed messages up at their next poll).
Selections are by ids or by a filter — flow, failing step, a piece of the error, a time range —
and a bulk operation needs one of them, so that nothing is replayed or discarded by accident.
Replays and discards are audited.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from interloom.core.errors import InvalidRequestError, NotFoundError
from interloom.core.project import RuntimeSettings
from interloom.services.workspace import Workspace
from interloom.storage.audit import add_audit_entry
from interloom.storage.message_store import DeadLetter, MessageStore, open_message_store

_PAGE = 500  # dead letters read per round trip while filtering

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _rfc3339(value: object) -> object:
    # Lax parsing would read 0 or true as a Unix timestamp; a time in text names its offset.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError("write an RFC 3339 date-time with its offset, e.g. 2027-01-04T08:00:00Z")


Instant = Annotated[dt.datetime, BeforeValidator(_rfc3339, json_schema_input_type=dt.datetime)]
"""A moment: a datetime, or in text an RFC 3339 date-time with its UTC offset."""


class FailureView(BaseModel):
    """One failed try."""

    at: dt.datetime
    error: str
    step: str | None


class DeadLetterView(BaseModel):
    """A dead letter: the message, why and where it failed, and every try."""

    model_config = ConfigDict(frozen=True)

    id: str
    flow: str
    key: str | None = None
    attempts: int
    created_at: dt.datetime
    failed_at: dt.datetime
    error: str
    step: str | None = Field(default=None, description="The step or sink that failed.")
    history: list[FailureView] = Field(default_factory=list)
    body: Any = Field(default=None, description="The message body (JSON, else text).")


def _names_a_selection(schema: dict[str, Any]) -> None:
    # Nothing is replayed or discarded by accident: a selection names something.
    schema["anyOf"] = [
        *(
            {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
            for name in ("ids", "flow", "step", "error", "since", "until")
        ),
        {"required": ["all"], "properties": {"all": {"const": True}}},
    ]


class DeadLetterFilter(BaseModel):
    """Which dead letters: ids, or any combination of the other fields (all must match)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_names_a_selection)

    ids: list[str] | None = Field(default=None, max_length=10_000)
    flow: str | None = None
    step: str | None = Field(default=None, description="Failed in this step or sink.")
    error: str | None = Field(default=None, description="The error contains this text.")
    since: Instant | None = Field(default=None, description="Failed at or after.")
    until: Instant | None = Field(default=None, description="Failed before.")
    all: bool = Field(
        default=False, strict=True, description="Every dead letter (needs no other field)."
    )

    @model_validator(mode="after")
    def _selects_something(self) -> DeadLetterFilter:
        named = (self.ids, self.flow, self.step, self.error, self.since, self.until)
        if not self.all and all(value is None for value in named):
            raise ValueError("name ids or a filter (flow, step, error, since, until), or all")
        return self

    def matches(self, letter: DeadLetter) -> bool:
        """Whether one dead letter is selected."""
        failed = _moment(letter.failed_at)
        return (
            (self.ids is None or letter.id in self.ids)
            and (self.flow is None or letter.flow == self.flow)
            and (self.step is None or letter.step == self.step)
            and (self.error is None or self.error.lower() in letter.error.lower())
            and (self.since is None or failed >= _aware(self.since))
            and (self.until is None or failed < _aware(self.until))
        )


class DeadLetterPage(BaseModel):
    """A page of dead letters in arrival order, with how many match in all."""

    items: list[DeadLetterView]
    total: int
    limit: int
    offset: int


class BulkResult(BaseModel):
    """What a replay or discard did."""

    action: str
    count: int
    ids: list[str]


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _body(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def view(letter: DeadLetter, *, with_body: bool = True) -> DeadLetterView:
    """The API/CLI shape of a dead letter."""
    return DeadLetterView(
        id=letter.id,
        flow=letter.flow,
        key=letter.key,
        attempts=letter.attempts,
        created_at=_moment(letter.created_at),
        failed_at=_moment(letter.failed_at),
        error=letter.error,
        step=letter.step,
        history=[FailureView(at=_moment(f.at), error=f.error, step=f.step) for f in letter.history],
        body=_body(letter.body) if with_body else None,
    )


@contextlib.asynccontextmanager
async def message_store(workspace: Workspace) -> AsyncIterator[MessageStore]:
    """The server's open store, or the project's store opened for this call."""
    if workspace.flows.store is not None:
        yield workspace.flows.store
        return
    url = workspace.database.engine.url.render_as_string(hide_password=False)
    settings = workspace.load.project.settings
    runtime = settings.model.runtime if settings is not None else RuntimeSettings()
    store = await open_message_store(
        url,
        base_dir=workspace.root,
        migrate=False,
        retention_seconds=runtime.key_retention_seconds,
    )
    try:
        yield store
    finally:
        await store.close()


async def _selected(store: MessageStore, selection: DeadLetterFilter) -> list[DeadLetter]:
    if selection.ids is not None and len(selection.ids) <= _PAGE:
        letters = [await store.get_dead(message_id) for message_id in selection.ids]
        return [x for x in letters if x is not None and selection.matches(x)]
    found: list[DeadLetter] = []
    offset = 0
    while True:
        page = await store.list_dead(selection.flow, limit=_PAGE, offset=offset)
        found += [letter for letter in page if selection.matches(letter)]
        if len(page) < _PAGE:
            return found
        offset += _PAGE


async def list_dead_letters(
    workspace: Workspace, selection: DeadLetterFilter, *, limit: int = 100, offset: int = 0
) -> DeadLetterPage:
    """Dead letters matching the filter, oldest first (bodies left out: see one for it)."""
    async with message_store(workspace) as store:
        letters = await _selected(store, selection)
    page = letters[offset : offset + limit]
    return DeadLetterPage(
        items=[view(x, with_body=False) for x in page],
        total=len(letters),
        limit=limit,
        offset=offset,
    )


async def get_dead_letter(workspace: Workspace, message_id: str) -> DeadLetterView:
    """One dead letter with its body and every try; :class:`NotFoundError` if there is none."""
    async with message_store(workspace) as store:
        letter = await store.get_dead(message_id)
    if letter is None:
        raise NotFoundError(
            f"no dead letter '{message_id}'",
            hint="list them with `interloom dlq list` or GET /api/v1/dead-letters",
        )
    return view(letter)


async def _bulk(
    workspace: Workspace, selection: DeadLetterFilter, action: str, *, actor: str
) -> BulkResult:
    async with message_store(workspace) as store:
        letters = await _selected(store, selection)
        ids = [letter.id for letter in letters]
        if not ids:
            return BulkResult(action=action, count=0, ids=[])
        if action == "replay":
            count = await store.replay_dead(ids)
            if workspace.flows.worker is not None:
                workspace.flows.worker.notify()
        else:
            count = await store.discard_dead(ids)
    async with workspace.database.transaction() as session:
        await add_audit_entry(
            session,
            actor=actor,
            action=f"dead_letters.{action}",
            entity=f"flow:{selection.flow}" if selection.flow else "dead-letters",
            before={"selection": selection.model_dump(mode="json", exclude_defaults=True)},
            after={"count": count, "ids": ids[:1000]},
        )
    return BulkResult(action=action, count=count, ids=ids)


async def replay_dead_letters(
    workspace: Workspace, selection: DeadLetterFilter, *, actor: str
) -> BulkResult:
    """Put the selected dead letters back in the queue (tries from zero, history kept)."""
    return await _bulk(workspace, selection, "replay", actor=actor)


async def discard_dead_letters(
    workspace: Workspace, selection: DeadLetterFilter, *, actor: str
) -> BulkResult:
    """Delete the selected dead letters for good (they stay counted as dead-lettered)."""
    return await _bulk(workspace, selection, "discard", actor=actor)


def selection_of(**fields: Any) -> DeadLetterFilter:
    """A filter from loose fields; an :class:`InvalidRequestError` says what is missing."""
    try:
        return DeadLetterFilter(**fields)
    except ValueError:
        raise InvalidRequestError(
            "no dead letters selected",
            hint="give message ids, a filter (--flow, --step, --error, --since, --until) or --all",
        ) from None
