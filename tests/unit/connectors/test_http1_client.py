"""What the sink's HTTP client refuses before any connection: unusable URLs and methods."""

from __future__ import annotations

import socket

import pytest

from interloom.connectors.http1_client import Http1Client, TransportError, _connect_error


@pytest.mark.parametrize(
    ("method", "url", "reason"),
    [
        ("POST", "not a url", "not http or https"),
        ("POST", "ftp://files.example.com/x", "not http or https"),
        ("POST", "http:///path", "no host"),
        ("POST", "http://example.com:99999/", "Port out of range"),
        ("POST", "http://example.com:port/", "Port could not be cast"),
        ("PO ST", "http://example.com/", "'PO ST' is not a valid HTTP method"),
    ],
)
async def test_an_unusable_request_is_refused_with_the_reason(
    method: str, url: str, reason: str
) -> None:
    client = Http1Client(timeout_seconds=1, connections=1)
    with pytest.raises(TransportError) as caught:
        await client.request(method, url, {}, b"")
    assert caught.value.message.startswith("RequestError: ")
    assert reason in caught.value.message
    assert not caught.value.timed_out


async def test_a_closed_client_refuses_requests() -> None:
    client = Http1Client(timeout_seconds=1, connections=1)
    client.close()
    with pytest.raises(TransportError, match="the client is closed"):
        await client.request("GET", "http://127.0.0.1:9/", {}, b"")


def test_a_host_that_does_not_resolve_is_named() -> None:
    # The error made by hand: resolving a name for real would ask a DNS server elsewhere.
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    message = _connect_error(error, "erp.invalid:443", "erp.invalid", 5.0).message
    assert message == "ConnectError: could not resolve erp.invalid: Name or service not known"
