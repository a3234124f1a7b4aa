"""HTTP source: a flow that receives messages as HTTP requests on the data plane."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Paths of the management API and the dashboard, served by the same server.
RESERVED_PREFIXES = ("/api/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json", "/metrics")


class ReplyMode(StrEnum):
    """When the caller gets its answer."""

    SYNC = "sync"  # after the sink took the message: 202, or 502 when it did not
    DURABLE = "durable"  # as soon as the message is persisted: 202; delivered afterwards


class HttpSourceConfig(BaseModel):
    """The route a flow listens on and how it answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(pattern=r"^/[^\s?#]*$", examples=["/orders"])
    method: str = Field(default="POST", pattern=r"^(POST|PUT|PATCH)$")
    reply: ReplyMode = ReplyMode.SYNC
    max_body_bytes: int = Field(default=1_048_576, ge=1, le=104_857_600)

    @field_validator("path")
    @classmethod
    def _not_reserved(cls, path: str) -> str:
        if path.startswith(RESERVED_PREFIXES):
            raise ValueError(f"{path} is reserved for the management API; choose another path")
        return path
