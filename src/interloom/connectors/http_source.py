"""HTTP source: a flow that receives messages as HTTP requests on the data plane."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interloom.connectors.registry import connector
from interloom.connectors.spec import ConnectorContext

# Paths of the management API and the dashboard, served by the same server.
RESERVED_PREFIXES = ("/api/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json", "/metrics")

# A request's raw headers (lower-case names) and body; raises an InterloomError to refuse it.
RequestCheck = Callable[[Iterable[tuple[bytes, bytes]], bytes], None]


class ReplyMode(StrEnum):
    """When the caller gets its answer."""

    SYNC = "sync"  # after the sink took the message: 202, or 502 when it did not
    DURABLE = "durable"  # as soon as the message is persisted: 202; delivered afterwards


class HttpSourceConfig(BaseModel):
    """The route a flow listens on and how it answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(
        pattern=r"^/[^\s?#]*$",
        examples=["/orders"],
        description="Path the flow listens on, beside the management API (not under /api/).",
    )
    method: str = Field(default="POST", pattern=r"^(POST|PUT|PATCH)$", description="HTTP method.")
    reply: ReplyMode = Field(
        default=ReplyMode.SYNC,
        description="sync: answer once every sink took the message (202, or 502); "
        "durable: answer 202 once the message is persisted, deliver it afterwards.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, le=104_857_600, description="Larger bodies are answered 413."
    )

    @field_validator("path")
    @classmethod
    def _not_reserved(cls, path: str) -> str:
        if path.startswith(RESERVED_PREFIXES):
            raise ValueError(f"{path} is reserved for the management API; choose another path")
        return path


@connector(
    "http",
    kind="source",
    config=HttpSourceConfig,
    description="Receive each message as an HTTP request with a JSON body, on the server's "
    "own port.\n\nThe body must be JSON (Content-Type application/json or +json); the answer "
    "is 202 with the message id, 4xx for a body the flow refuses, 502 (sync) when a sink failed.",
    guarantees="durable reply: the message is persisted before the 202, so an acknowledged "
    "message is never lost, then delivered at least once. sync reply: the 202 comes after "
    "every sink took the message; a caller that gets no answer should send it again.",
    examples=[
        {"path": "/orders", "reply": "durable"},
        {"path": "/customers", "method": "PUT", "max_body_bytes": 65536},
    ],
)
class HttpSource:
    """A route served by the data plane; subclasses may check each request before it is read."""

    check: RequestCheck | None = None

    def __init__(self, config: HttpSourceConfig, context: ConnectorContext | None = None) -> None:
        self.config = config
