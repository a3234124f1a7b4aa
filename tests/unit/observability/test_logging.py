"""Logs read well on a console and parse as ECS JSON for ELK and Loki."""

from __future__ import annotations

import io
import json
import logging

import structlog

from interloom.observability.logging import LogFormat, configure_logging


def test_json_logs_are_ecs_documents_one_per_line() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "info", stream)

    structlog.get_logger("interloom.test").info("project.opened", project="retail", systems=4)
    logging.getLogger("uvicorn.error").warning("port busy")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "project.opened"
    assert first["log.level"] == "info"
    assert first["log"]["logger"] == "interloom.test"
    assert first["ecs.version"]
    assert first["@timestamp"].endswith("Z")
    assert (first["project"], first["systems"]) == ("retail", 4)
    assert (second["message"], second["log.level"]) == ("port busy", "warning")
    assert second["log"]["logger"] == "uvicorn.error"


def test_json_logs_carry_the_stack_trace_of_an_exception() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.JSON, "info", stream)

    try:
        raise RuntimeError("broker unreachable")
    except RuntimeError:
        structlog.get_logger("interloom.test").exception("delivery.failed")

    record = json.loads(stream.getvalue())
    assert "RuntimeError: broker unreachable" in record["error"]["stack_trace"]


def test_console_logs_are_one_readable_line_and_respect_the_level() -> None:
    stream = io.StringIO()
    configure_logging(LogFormat.CONSOLE, "warning", stream)

    structlog.get_logger("interloom.test").info("hidden")
    structlog.get_logger("interloom.test").warning("project.reload.rejected", errors=2)

    [line] = stream.getvalue().splitlines()
    assert "project.reload.rejected" in line
    assert "errors=2" in line
    assert not line.lstrip().startswith("{")
