"""The enricher: call another interface over HTTP and merge its answer into the message.

One pooled aiohttp session per step (keep-alive), opened on first use and closed with the
runtime. The URL is a template: ``{...}`` holds a JSONata expression evaluated on the message
(its value is URL-encoded), ``${VAR}`` an environment variable. A 404 does what ``on_missing``
says; 408, 429, 5xx, timeouts and unreachable hosts raise :class:`StepFailedError`, which the
flow's error policy retries; any other status rejects the message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from aiohttp.payload import BytesPayload
from pydantic import Field, field_validator, model_validator

from interloom.core.flows.expressions import UNDEFINED, CompiledExpression
from interloom.core.project import expand_variables
from interloom.runtime.processors.base import (
    BuildContext,
    MessageRejectedError,
    Mode,
    Processor,
    StepConfigError,
    StepContext,
    StepFailedError,
    _Config,
    expression,
)
from interloom.runtime.processors.paths import PathConflictError, parse_path, set_path


class OnMissing(StrEnum):
    """What a 404 from the enrichment call does."""

    REJECT = "reject"  # the message is rejected (dead-lettered)
    SKIP = "skip"  # the message goes on unchanged
    NULL = "null"  # the enrichment is null: target set to null, or $enrichment null


class EnrichConfig(_Config):
    """Call an HTTP interface for each message and merge the answer into it."""

    url: str = Field(
        description="URL template: {expression} is evaluated on the message and URL-encoded; "
        "${VAR} comes from the environment.",
        examples=["${CRM_URL}/customers/{customer.id}"],
    )
    method: str = Field(default="GET", pattern=r"^(GET|POST|PUT|PATCH|DELETE)$")
    headers: dict[str, str] = Field(default_factory=dict, description="${VAR} is expanded.")
    body: str | None = Field(default=None, description="JSONata for a JSON request body.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    connections: int = Field(default=100, ge=1, le=10_000)
    target: str | None = Field(default=None, description="Dotted field the answer is put in.")
    merge: str | None = Field(
        default=None,
        description="JSONata over the message with $enrichment (the answer): the new message.",
    )
    on_missing: OnMissing = OnMissing.REJECT

    @field_validator("on_missing", mode="before")
    @classmethod
    def _null_is_a_choice(cls, value: Any) -> Any:
        return "null" if value is None else value  # YAML reads a bare `null` as nothing

    @model_validator(mode="after")
    def _one_way_in(self) -> EnrichConfig:
        if (self.target is None) == (self.merge is None):
            raise ValueError("give either 'target' (a field) or 'merge' (an expression)")
        return self


UrlPart = str | CompiledExpression


def parse_template(text: str, *field: str | int) -> list[UrlPart]:
    """Literal text and compiled ``{expression}`` parts of a URL template."""
    parts: list[UrlPart] = []
    literal, index = "", 0
    while index < len(text):
        char = text[index]
        if char == "}":
            raise StepConfigError(
                f"unbalanced '}}' at column {index + 1} of the URL template",
                field=field,
                hint="an expression is written {like.this}",
            )
        if char != "{":
            literal += char
            index += 1
            continue
        depth, end = 1, index + 1
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        if depth:
            raise StepConfigError(
                f"the expression at column {index + 1} of the URL template is not closed",
                field=field,
                hint="close it with }",
            )
        if literal:
            parts.append(literal)
            literal = ""
        parts.append(expression(text[index + 1 : end - 1].strip(), *field))
        index = end
    if literal:
        parts.append(literal)
    return parts


def _url_value(value: Any, source: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int | float):
        return quote(str(value), safe="")
    what = "nothing" if value is UNDEFINED else type(value).__name__
    raise MessageRejectedError(
        f"the URL part {{{source}}} gives {what}, not a text or a number",
        [{"pointer": "", "message": f"{{{source}}} has no usable value", "field": "url"}],
    )


class Enricher:
    """The compiled enricher: a URL template, the call, and how the answer is merged."""

    def __init__(self, config: EnrichConfig, context: BuildContext) -> None:
        environ = context.environ
        self.config = config
        self.step = context.step
        self.url = parse_template(expand_variables(config.url, environ), "url")
        self.headers = {
            "Accept": "application/json",
            **{name: expand_variables(value, environ) for name, value in config.headers.items()},
        }
        self.body = expression(config.body, "body").evaluate if config.body else None
        self.target = parse_path(config.target, "target") if config.target else None
        self.merge = expression(config.merge, "merge").evaluate if config.merge else None
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.config.connections, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_seconds),
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    def url_for(self, body: Any) -> str:
        """The URL of the call for this message."""
        return "".join(
            part if isinstance(part, str) else _url_value(part.evaluate(body), part.text)
            for part in self.url
        )

    async def __call__(self, body: Any, message: StepContext) -> Any:
        url = self.url_for(body)
        method = self.config.method
        payload = None
        if self.body is not None:
            request = self.body(body)
            if request is not UNDEFINED:
                payload = BytesPayload(orjson.dumps(request), content_type="application/json")
        try:
            async with self._session_now().request(
                method, url, data=payload, headers=self.headers
            ) as response:
                status = response.status
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise StepFailedError(
                f"step '{self.step}': {method} {url} could not be reached: {error!r}"
            ) from None
        if status == 404:
            return self._missing(body, url)
        if status >= 500 or status in (408, 429):
            raise StepFailedError(f"step '{self.step}': {method} {url} answered {status}")
        if not 200 <= status < 300:
            raise MessageRejectedError(
                f"the enrichment call {method} {url} answered {status}",
                [{"pointer": "", "message": f"{method} {url} answered {status}"}],
            )
        return self._merged(body, _decoded(raw))

    def _missing(self, body: Any, url: str) -> Any:
        on_missing = self.config.on_missing
        if on_missing is OnMissing.SKIP:
            return body
        if on_missing is OnMissing.NULL:
            return self._merged(body, None)
        raise MessageRejectedError(
            f"the enrichment call {self.config.method} {url} found nothing (404)",
            [{"pointer": "", "message": f"{url} answered 404", "rule": "on_missing"}],
        )

    def _merged(self, body: Any, enrichment: Any) -> Any:
        if self.merge is not None:
            result = self.merge(body, {"enrichment": enrichment})
            if result is UNDEFINED:
                raise MessageRejectedError("the merge expression selects nothing", [])
            return result
        assert self.target is not None
        try:
            return set_path(body, self.target, enrichment)
        except PathConflictError as error:
            raise MessageRejectedError(
                f"cannot put the enrichment at {self.config.target}: {error.reason}",
                [{"pointer": error.pointer, "message": error.reason}],
            ) from None

    async def close(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _decoded(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def build_enrich(config: EnrichConfig, context: BuildContext) -> Processor:
    """Templates and expressions compiled once; the session opened on the first message."""
    enricher = Enricher(config, context)
    return Processor(enricher, Mode.ASYNC, close=enricher.close, handle=enricher)
