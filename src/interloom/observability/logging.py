"""Structured logs: readable on a console, ECS JSON for ELK and Loki (``--log-format json``)."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from enum import StrEnum
from typing import Any, TextIO, cast

import ecs_logging
import structlog
from structlog.typing import Processor

from interloom.observability.tracing import add_message_context


class LogFormat(StrEnum):
    """How log lines are written."""

    CONSOLE = "console"
    JSON = "json"


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        add_message_context,  # flow.id, message.id, trace.id, span.id of the message under way
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]


def _renderer(fmt: LogFormat, stream: TextIO) -> Processor:
    if fmt is LogFormat.JSON:
        return cast(Processor, ecs_logging.StructlogFormatter())
    colors = hasattr(stream, "isatty") and stream.isatty()
    return structlog.dev.ConsoleRenderer(colors=colors)


def _ecs_fields(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # The ECS formatter writes @timestamp and log.level itself; the logger goes to log.logger.
    event.pop("timestamp", None)
    event.pop("level", None)
    logger = event.pop("logger", None)
    if logger is not None:
        event["log.logger"] = logger
    # ECS's ``message`` is the line's text, so the ids go to a namespace of our own: the same
    # names as the span attributes (trace.id and span.id are ECS's own).
    for key in ("flow.id", "message.id"):
        if key in event:
            event[f"interloom.{key}"] = event.pop(key)
    return event


def configure_logging(
    fmt: LogFormat = LogFormat.CONSOLE, level: str = "info", stream: TextIO | None = None
) -> None:
    """Send structlog and standard-library logs (uvicorn, alembic…) to ``stream`` as ``fmt``."""
    out = stream or sys.stderr
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared = _shared_processors()
    if fmt is LogFormat.JSON:
        shared.append(_ecs_fields)
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if fmt is LogFormat.JSON else _identity,
            _renderer(fmt, out),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # SQL statements are only interesting when asked for.
    logging.getLogger("sqlalchemy.engine").setLevel(max(numeric_level, logging.WARNING))


def _identity(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return event
