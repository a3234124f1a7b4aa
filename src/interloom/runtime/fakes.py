"""Fake HTTP calls for flow tests: a sink or an enricher answers from a script, no network.

A :class:`FakeTransport` stands where an HTTP sink or an enrich step keeps its pooled client,
a :class:`FakeSink` stands for a sink that is not HTTP; both answer from a :class:`FakeSession`.
Each request is recorded (:class:`FakeCall`) and answered with the next scripted
:class:`~interloom.core.flows.testcase.FakeAnswer` (the last one repeats): a status with a
body, or a failure (a refused connection, a timeout) that reaches the code under test as the
real client's would. That code — the sink's status handling, the enricher's merge — is the
runtime's own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from interloom.connectors.http_transport import TransportError
from interloom.connectors.spec import SinkError
from interloom.core.flows.testcase import FakeAnswer, FakeFailure, UnfakedCallError
from interloom.core.messages import Message

__all__ = [
    "FakeCall",
    "FakeResponse",
    "FakeSession",
    "FakeSink",
    "FakeTransport",
    "encoded_body",
]

_OK = FakeAnswer()


@dataclass(slots=True)
class FakeCall:
    """One request a fake received, and what it answered."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int | None  # None: the answer was a failure
    failure: str | None = None


def encoded_body(body: Any) -> bytes:
    """An answer's body as bytes: text as is, anything else as JSON, nothing as empty."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return orjson.dumps(body)


def _decoded(data: Any) -> Any:
    raw: bytes | None = None
    if data is None:
        return None
    if isinstance(data, bytes | bytearray):
        raw = bytes(data)
    elif hasattr(data, "decode"):  # an aiohttp payload
        text = data.decode()
        raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if raw is None:
        return data
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


class FakeResponse:
    """What ``session.request(...)`` yields: a status, headers and a body to read."""

    def __init__(self, answer: FakeAnswer) -> None:
        self.status = answer.status
        self.headers = dict(answer.headers)
        self._body = encoded_body(answer.body)

    async def read(self) -> bytes:
        """The whole body."""
        return self._body

    async def text(self) -> str:
        """The body as text."""
        return self._body.decode("utf-8", errors="replace")

    async def json(self) -> Any:
        """The body as JSON."""
        return orjson.loads(self._body) if self._body else None

    def release(self) -> None:
        """Nothing to release."""


class _Pending:
    """The async context manager ``request`` returns: fails on entry for a scripted failure."""

    def __init__(self, answer: FakeAnswer, method: str, url: str) -> None:
        self._answer = answer
        self._where = f"{method} {url}"

    async def __aenter__(self) -> FakeResponse:
        if self._answer.error is FakeFailure.TIMEOUT:
            raise TimeoutError(f"{self._where}: no answer in time (fake)")
        if self._answer.error is FakeFailure.CONNECTION:
            raise aiohttp.ClientConnectionError(f"{self._where}: connection refused (fake)")
        return FakeResponse(self._answer)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


@dataclass(slots=True)
class FakeSession:
    """Answers requests from a script, records each one; no fake given: ``default``, or fail."""

    owner: str
    answers: Sequence[FakeAnswer] = ()
    default: FakeAnswer | None = _OK
    calls: list[FakeCall] = field(default_factory=list)
    closed: bool = False

    def _next(self, method: str, url: str) -> FakeAnswer:
        if self.answers:
            return self.answers[min(len(self.calls), len(self.answers) - 1)]
        if self.default is None:
            raise UnfakedCallError(self.owner, method, url)
        return self.default

    def request(
        self,
        method: str,
        url: str,
        *,
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> _Pending:
        """Record the request and answer it (as ``aiohttp.ClientSession.request`` would)."""
        answer = self._next(method, str(url))
        body = json if json is not None else _decoded(data)
        self.calls.append(
            FakeCall(
                method=method,
                url=str(url),
                headers=dict(headers or {}),
                body=body,
                status=None if answer.error is not None else answer.status,
                failure=answer.error.value if answer.error is not None else None,
            )
        )
        return _Pending(answer, method, str(url))

    async def close(self) -> None:
        """Nothing is open; closing is remembered."""
        self.closed = True


class FakeTransport:
    """Stands where an HTTP sink or enrich step keeps its pooled client: the script answers."""

    def __init__(self, session: FakeSession) -> None:
        self.session = session

    @property
    def closed(self) -> bool:
        """Whether the fake was closed."""
        return self.session.closed

    def open(self) -> None:
        """Nothing to open."""

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        """Record the request; answer its status and body, or fail as the script says."""
        data = body or None  # no bytes: a request without a body, recorded as nothing
        try:
            async with self.session.request(method, url, data=data, headers=headers) as answer:
                return answer.status, await answer.read()
        except TimeoutError as error:
            raise TransportError(str(error), timed_out=True) from None
        except aiohttp.ClientError as error:
            raise TransportError(str(error)) from None

    async def close(self) -> None:
        """Closing is remembered by the session."""
        await self.session.close()


class FakeSink:
    """Stands for a sink that is not HTTP (file, SQL…): records each body, answers as told."""

    def __init__(self, session: FakeSession, connector: str) -> None:
        self.session = session
        self.connector = connector

    async def connect(self) -> None:
        """Nothing to open."""

    async def write(self, message: Message, body: Any) -> Any:
        """Record ``body``; fail as the script says (a 5xx, 408, 429 or failure is retried)."""
        pending = self.session.request(
            "WRITE",
            f"{self.connector}:",
            json=body,
            headers={"Idempotency-Key": message.idempotency_key},
        )
        try:
            async with pending as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SinkError(f"{self.connector} sink: {error}") from None
        if not 200 <= status < 300:
            retryable = status >= 500 or status in (408, 429)
            raise SinkError(
                f"{self.connector} sink answered {status}", retryable=retryable, status=status
            )
        return status

    async def close(self) -> None:
        """Nothing to close."""
