"""Poll-HTTP source: GET a URL on an interval, turn the items of the answer into messages.

With a cursor, each poll sends the largest cursor value seen so far (``?since=…``), taken from
a field of the items; the cursor is saved only after the poll's items are persisted, so a
crash between the two polls the same items again — with the same message ids, since an item's
id comes from its ``id`` expression (or its content), and the sinks see each once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import aiohttp
import orjson
from pydantic import BaseModel, ConfigDict, Field

from interloom.connectors.registry import connector
from interloom.connectors.spec import (
    UNCHANGED,
    Batch,
    ConnectorContext,
    SourceContext,
    SourceError,
    SourceItem,
)
from interloom.core.errors import InterloomError
from interloom.core.flows.expressions import UNDEFINED, CompiledExpression, compile_expression

Scalar = str | int | float


class CursorConfig(BaseModel):
    """Where the cursor comes from and how it is sent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(
        description="JSONata expression giving an item's cursor value (a number, or a "
        "string that sorts in time order such as an ISO 8601 time).",
        examples=["updatedAt"],
    )
    param: str = Field(
        default="since", min_length=1, description="Query parameter that sends the cursor."
    )
    initial: Scalar | None = Field(
        default=None, description="Cursor of the first poll; none: the first poll sends none."
    )


class PollHttpSourceConfig(BaseModel):
    """The URL to poll, how often, and how to find the items and the cursor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="URL to GET; ${VAR} is expanded.")
    interval_seconds: float = Field(
        default=60.0, ge=0.05, le=86_400, description="Time between polls."
    )
    headers: dict[str, str] = Field(default_factory=dict, description="Request headers.")
    params: dict[str, str] = Field(default_factory=dict, description="Fixed query parameters.")
    items: str = Field(
        default="$",
        description="JSONata expression selecting the items in the JSON answer: an array "
        "gives a message per element, anything else one message.",
        examples=["data.orders"],
    )
    id: str | None = Field(
        default=None,
        description="JSONata expression giving an item's own id: the message id derives "
        "from it and the cursor value; none: from the item's content.",
        examples=["orderId"],
    )
    cursor: CursorConfig | None = Field(default=None, description="Poll only what is new.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="Request timeout.")


def _larger(current: Scalar | None, candidate: Any) -> Scalar | None:
    if candidate is UNDEFINED or candidate is None:
        return current
    if isinstance(candidate, bool) or not isinstance(candidate, str | int | float):
        raise SourceError(f"a cursor value must be a number or a string, not {candidate!r}")
    if current is None:
        return candidate
    if isinstance(current, str) != isinstance(candidate, str):
        raise SourceError(f"cursor values of two kinds: {current!r} and {candidate!r}")
    return candidate if candidate > current else current  # type: ignore[operator]


@connector(
    "poll-http",
    kind="source",
    config=PollHttpSourceConfig,
    description="Poll an HTTP API: GET a URL on an interval, and make each item of the JSON "
    "answer a message.\n\nWith a cursor, each poll asks only for what is newer than the "
    "largest cursor value seen (e.g. ?since=2026-03-01T10:00:00Z). A failed poll is logged "
    "and tried again at the next interval.",
    guarantees="Items are persisted before the cursor advances, and the cursor is saved in "
    "the database: nothing is skipped across restarts. An item polled twice (the cursor "
    "parameter is inclusive, or a crash came between persisting and saving) has the same "
    "message id, so the sinks apply it once.",
    examples=[
        {
            "url": "${ERP_URL}/orders",
            "interval_seconds": 30,
            "items": "orders",
            "id": "orderId",
            "cursor": {"field": "updatedAt", "param": "updated_after", "initial": "2026-01-01"},
        },
    ],
)
class PollHttpSource:
    """Polls a URL; its state is the cursor."""

    def __init__(self, config: PollHttpSourceConfig, context: ConnectorContext) -> None:
        self.config = config
        self._items = compile_expression(config.items)
        self._id: CompiledExpression | None = (
            compile_expression(config.id) if config.id is not None else None
        )
        self._cursor_field = (
            compile_expression(config.cursor.field) if config.cursor is not None else None
        )
        self._cursor: Scalar | None = config.cursor.initial if config.cursor else None
        self._context: SourceContext | None = None
        self._session: aiohttp.ClientSession | None = None
        self._polled = False

    async def connect(self, context: SourceContext) -> None:
        """Open the session; resume from the saved cursor."""
        self._context = context
        if isinstance(context.state, dict) and context.state.get("cursor") is not None:
            self._cursor = context.state["cursor"]
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds)
        )

    @property
    def cursor(self) -> Scalar | None:
        """The cursor the next poll sends."""
        return self._cursor

    async def read(self) -> Batch:
        """Wait for the next poll (the first is at once), GET, and return its items."""
        context = self._context
        assert context is not None, "connect first"
        assert self._session is not None, "connect first"
        if self._polled and await context.wait(self.config.interval_seconds):
            return Batch()
        self._polled = True
        answer = await self._get()
        try:
            found = self._items.evaluate(answer)
        except InterloomError as error:
            raise SourceError(
                f"the items expression failed on the answer: {error.message}"
            ) from None
        if found is UNDEFINED:
            values: list[Any] = []
        elif isinstance(found, list):
            values = list(found)
        else:
            values = [found]
        items = [SourceItem(self._key(value), value) for value in values]
        cursor = self._cursor
        if self._cursor_field is not None:
            for value in values:
                cursor = _larger(cursor, self._evaluate(self._cursor_field, value, "cursor"))
        state: Any = {"cursor": cursor} if cursor != self._cursor else UNCHANGED
        return Batch(items=items, state=state, token=cursor)

    async def _get(self) -> Any:
        assert self._session is not None
        params = dict(self.config.params)
        if self.config.cursor is not None and self._cursor is not None:
            params[self.config.cursor.param] = str(self._cursor)
        url = self.config.url
        try:
            async with self._session.get(url, params=params, headers=self.config.headers) as got:
                body = await got.read()
                status = got.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SourceError(f"{url} could not be reached: {error!r}") from None
        if not 200 <= status < 300:
            raise SourceError(f"{url} answered {status}: {body[:200]!r}")
        try:
            return orjson.loads(body) if body.strip() else None
        except orjson.JSONDecodeError as error:
            raise SourceError(f"{url} answered with a body that is not JSON: {error}") from None

    def _evaluate(self, expression: CompiledExpression, value: Any, what: str) -> Any:
        try:
            return expression.evaluate(value)
        except InterloomError as error:
            raise SourceError(f"the {what} expression failed on an item: {error.message}") from None

    def _key(self, value: Any) -> str:
        if self._id is not None:
            found = self._evaluate(self._id, value, "id")
            if found is not UNDEFINED and found is not None:
                key = f"id:{orjson.dumps(found).decode()}"
                if self._cursor_field is not None:
                    # The item's version is part of its identity: an update is a new message.
                    version = self._evaluate(self._cursor_field, value, "cursor")
                    if version is not UNDEFINED:
                        key += f"@{orjson.dumps(version).decode()}"
                return key
        digest = hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return f"content:{digest}"

    async def ack(self, batch: Batch) -> None:
        """The items are persisted and the cursor saved: the next poll starts from it."""
        if self._cursor_field is not None:
            self._cursor = batch.token

    async def nack(self, batch: Batch, error: str) -> None:
        """The items were not persisted: the next poll asks for them again."""

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
