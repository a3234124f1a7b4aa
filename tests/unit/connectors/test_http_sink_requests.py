"""The request the HTTP sink builds for each message: method, URL template, headers, body."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import pytest

from interloom.connectors.http_sink import HttpSink, HttpSinkConfig
from interloom.connectors.interface_contracts import InterfaceContractError, InterfaceContracts
from interloom.connectors.request_templates import SinkTemplateError
from interloom.connectors.spec import ConnectorContext
from interloom.core.errors import ConfigError
from interloom.core.messages import Message

RETAIL = Path(__file__).resolve().parents[3] / "examples" / "retail"


class RecordingTransport:
    """Stands for the sink's pooled client: records each request, answers 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []

    def open(self) -> None:
        """Nothing to open."""

    async def send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        self.requests.append((method, url, dict(headers), orjson.loads(body)))
        return 200, b""

    async def close(self) -> None:
        """Nothing to close."""


def sink(
    config: dict[str, Any], interface: str | None = None
) -> tuple[HttpSink, RecordingTransport]:
    context = ConnectorContext(
        flow="f", root=RETAIL, interface=interface, interfaces=InterfaceContracts(RETAIL)
    )
    built = HttpSink(HttpSinkConfig.model_validate(config), context)
    transport = RecordingTransport()
    built._transport = transport  # type: ignore[assignment]
    return built, transport


MESSAGE = Message(flow="f", body=None, id="m-1")
SHIPPED = {
    "orderId": "SO-2027-000123",
    "status": {"status": "shipped", "occurredAt": "2027-02-02T16:04:51Z"},
}


async def test_a_fixed_url_is_sent_as_written_with_the_message_as_body() -> None:
    built, transport = sink({"url": "http://erp/stock-levels", "headers": {"X-Api-Key": "k"}})

    assert built._url == "http://erp/stock-levels"  # nothing to render per message
    await built.write(MESSAGE, {"levels": []})

    [(method, url, headers, body)] = transport.requests
    assert (method, url, body) == ("POST", "http://erp/stock-levels", {"levels": []})
    assert headers["Idempotency-Key"] == "f:m-1"
    assert headers["X-Api-Key"] == "k"


async def test_a_put_to_a_templated_url_sends_the_selected_part_of_the_message() -> None:
    built, transport = sink(
        {"url": "http://erp/orders/{orderId}/status", "method": "PUT", "body": "status"}
    )

    await built.write(MESSAGE, SHIPPED)

    [(method, url, headers, body)] = transport.requests
    assert (method, url) == ("PUT", "http://erp/orders/SO-2027-000123/status")
    assert body == SHIPPED["status"]
    assert headers["Idempotency-Key"] == "f:m-1"


async def test_the_interface_gives_method_and_path_and_base_url_the_server() -> None:
    built, transport = sink(
        {"base_url": "http://erp.test", "path": {"orderId": "orderId"}, "body": "status"},
        interface="interface:erp.orders.status.update",
    )

    await built.write(MESSAGE, SHIPPED)

    [(method, url, _, _)] = transport.requests
    assert (method, url) == ("PUT", "http://erp.test/orders/SO-2027-000123/status")


async def test_without_base_url_the_contracts_first_server_is_called() -> None:
    built, transport = sink(
        {"path": {"orderId": "orderId"}}, interface="interface:erp.orders.status.update"
    )

    await built.write(MESSAGE, SHIPPED)

    assert transport.requests[0][1] == "http://127.0.0.1:9201/orders/SO-2027-000123/status"


async def test_header_values_may_be_templates() -> None:
    built, transport = sink(
        {"url": "http://erp/orders", "headers": {"X-Correlation-Id": "{orderId}", "X-A": "b"}}
    )

    await built.write(MESSAGE, SHIPPED)

    headers = transport.requests[0][2]
    assert headers["X-Correlation-Id"] == "SO-2027-000123"
    assert headers["X-A"] == "b"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"url": "http://erp/orders/{order.id}/status"}, "{order.id} gives nothing"),
        ({"url": "http://erp/orders", "body": "shipment"}, "selects nothing"),
        ({"url": "http://erp/orders", "headers": {"X-Id": "{ref}"}}, "{ref} gives nothing"),
    ],
)
async def test_a_message_the_templates_find_nothing_in_is_dead_lettered_unsent(
    config: dict[str, Any], words: str
) -> None:
    built, transport = sink(config)

    with pytest.raises(SinkTemplateError) as caught:
        await built.write(MESSAGE, SHIPPED)

    assert caught.value.code == "E-SINK-010"
    assert not caught.value.retryable
    assert words in caught.value.message
    assert transport.requests == []


def test_a_sink_without_url_or_interface_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no URL to send to"):
        sink({})


def test_path_values_with_a_url_are_refused_not_ignored() -> None:
    with pytest.raises(ConfigError, match="for calls by interface"):
        sink({"url": "http://erp/orders", "path": {"orderId": "orderId"}})


def test_a_method_other_than_the_contracts_is_refused() -> None:
    with pytest.raises(ConfigError, match="calls it with PUT, not POST"):
        sink(
            {"method": "POST", "path": {"orderId": "orderId"}},
            interface="interface:erp.orders.status.update",
        )


def test_a_path_parameter_without_value_is_named() -> None:
    with pytest.raises(InterfaceContractError, match="needs a value for orderId") as caught:
        sink({}, interface="interface:erp.orders.status.update")

    assert caught.value.code == "E-FLOW-022"


@pytest.mark.parametrize("method", ["GET", "put", "TRACE"])
def test_only_methods_with_an_effect_are_accepted(method: str) -> None:
    with pytest.raises(ValueError, match="should match pattern"):
        HttpSinkConfig.model_validate({"url": "http://erp/x", "method": method})
