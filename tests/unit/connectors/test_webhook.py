"""Webhook signatures: good ones pass; missing, wrong, stale or replayed ones are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from interloom.connectors.spec import ConnectorContext
from interloom.connectors.webhook import (
    WebhookSignatureError,
    WebhookSource,
    WebhookSourceConfig,
    WebhookTimestampError,
)

SECRET = "It's a Secret to Everybody"
BODY = b'{"action":"opened","number":42}'
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _source(**config: Any) -> WebhookSource:
    settings = WebhookSourceConfig.model_validate({"path": "/hooks", "secret": SECRET, **config})
    return WebhookSource(settings, ConnectorContext("hooks", Path("."), clock=lambda: NOW))


def _sign(payload: bytes, digest: Any = hashlib.sha256, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), payload, digest).hexdigest()


def _headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in values.items()]


def test_a_body_signed_with_the_secret_is_accepted() -> None:
    source = _source()

    source.verify(_headers(X_Hub_Signature_256=f"sha256={_sign(BODY)}"), BODY)


def test_the_signature_matches_the_published_github_example() -> None:
    # GitHub's documented test vector for X-Hub-Signature-256.
    source = _source()
    signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

    source.verify(_headers(X_Hub_Signature_256=signature), b"Hello, World!")


def test_a_body_changed_after_signing_is_refused() -> None:
    source = _source()
    signature = f"sha256={_sign(BODY)}"

    with pytest.raises(WebhookSignatureError) as raised:
        source.verify(_headers(X_Hub_Signature_256=signature), BODY.replace(b"42", b"43"))

    assert raised.value.status == 401
    assert raised.value.code == "E-WEBHOOK-001"
    assert raised.value.message == "the X-Hub-Signature-256 header does not match the body"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "the request has no X-Hub-Signature-256 header"),
        ({"X_Hub_Signature_256": _sign(BODY)}, "does not start with 'sha256='"),
        ({"X_Hub_Signature_256": "sha256=not-hex"}, "does not match the body"),
        ({"X_Hub_Signature_256": f"sha256={_sign(BODY, secret='guess')}"}, "does not match"),
    ],
)
def test_a_missing_or_wrong_signature_is_refused_with_the_reason(
    headers: dict[str, str], message: str
) -> None:
    with pytest.raises(WebhookSignatureError, match=message):
        _source().verify(_headers(**headers), BODY)


def test_sha1_and_base64_are_supported() -> None:
    source = _source(
        algorithm="sha1", signature_header="X-Signature", signature_prefix="", encoding="base64"
    )
    digest = hmac.new(SECRET.encode(), BODY, hashlib.sha1).digest()

    source.verify(_headers(X_Signature=base64.b64encode(digest).decode()), BODY)
    with pytest.raises(WebhookSignatureError):
        source.verify(_headers(X_Signature=base64.b64encode(digest[::-1]).decode()), BODY)


def _stamped(**extra: Any) -> WebhookSource:
    return _source(
        signature_header="X-Signature",
        signature_prefix="v1=",
        timestamp_header="X-Timestamp",
        signed_payload="{timestamp}.{body}",
        **extra,
    )


def test_a_fresh_timestamped_request_is_accepted() -> None:
    sent = str(int(NOW - 30))
    signature = _sign(f"{sent}.".encode() + BODY)

    _stamped().verify(_headers(X_Signature=f"v1={signature}", X_Timestamp=sent), BODY)


def test_a_replayed_request_is_refused_once_the_tolerance_has_passed() -> None:
    sent = str(int(NOW - 301))  # a captured request, sent again five minutes later
    signature = _sign(f"{sent}.".encode() + BODY)

    with pytest.raises(WebhookTimestampError) as raised:
        _stamped().verify(_headers(X_Signature=f"v1={signature}", X_Timestamp=sent), BODY)

    assert raised.value.code == "E-WEBHOOK-002"
    assert raised.value.message == (
        "the request's timestamp is 301 s old; at most 300 s is accepted"
    )


def test_a_replay_with_a_fresh_timestamp_fails_the_signature() -> None:
    old = str(int(NOW - 3600))
    signature = _sign(f"{old}.".encode() + BODY)

    with pytest.raises(WebhookSignatureError, match="does not match the body"):
        _stamped().verify(_headers(X_Signature=f"v1={signature}", X_Timestamp=str(int(NOW))), BODY)


def test_a_timestamp_in_milliseconds_is_understood() -> None:
    sent = str(int(NOW * 1000))
    signature = _sign(f"{sent}.".encode() + BODY)

    _stamped().verify(_headers(X_Signature=f"v1={signature}", X_Timestamp=sent), BODY)


@pytest.mark.parametrize("stamp", [None, "yesterday"])
def test_a_missing_or_malformed_timestamp_is_refused(stamp: str | None) -> None:
    headers = {"X_Signature": "v1=00"}
    if stamp is not None:
        headers["X_Timestamp"] = stamp

    with pytest.raises(WebhookTimestampError):
        _stamped().verify(_headers(**headers), BODY)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"secret": ""}, "the secret is empty"),
        ({"timestamp_header": "X-Timestamp"}, "signed_payload must contain {timestamp}"),
        ({"signed_payload": "{timestamp}:{body}"}, "set timestamp_header too"),
        ({"signed_payload": "body"}, "must contain {body} exactly once"),
    ],
)
def test_a_config_that_cannot_protect_is_refused(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        WebhookSourceConfig.model_validate({"path": "/hooks", "secret": SECRET, **config})


def test_the_secret_never_shows_in_the_config_repr() -> None:
    assert SECRET not in repr(_source().config)


def _parted(**extra: Any) -> WebhookSource:
    return _source(
        signature_header="Payments-Signature",
        signature_key="v1",
        timestamp_key="t",
        signed_payload="{timestamp}.{body}",
        **extra,
    )


def test_a_signature_header_of_key_value_parts_gives_the_timestamp_and_the_signature() -> None:
    sent = str(int(NOW - 30))
    signature = _sign(f"{sent}.".encode() + BODY)

    _parted().verify(_headers(Payments_Signature=f"t={sent},v1={signature}"), BODY)
    _parted().verify(_headers(Payments_Signature=f"v1={signature}, t={sent}"), BODY)


def test_any_signature_part_may_match_while_the_sender_changes_its_secret() -> None:
    sent = str(int(NOW))
    old = _sign(f"{sent}.".encode() + BODY, secret="the old secret")
    new = _sign(f"{sent}.".encode() + BODY)

    _parted().verify(_headers(Payments_Signature=f"t={sent},v1={old},v1={new}"), BODY)
    with pytest.raises(WebhookSignatureError, match="does not match the body"):
        _parted().verify(_headers(Payments_Signature=f"t={sent},v1={old},v1=zz"), BODY)


def test_a_changed_timestamp_part_fails_the_signature_and_a_stale_one_is_refused() -> None:
    signed_at = str(int(NOW - 3600))
    signature = _sign(f"{signed_at}.".encode() + BODY)

    with pytest.raises(WebhookSignatureError, match="does not match the body"):
        _parted().verify(_headers(Payments_Signature=f"t={int(NOW)},v1={signature}"), BODY)
    with pytest.raises(WebhookTimestampError) as raised:
        _parted().verify(_headers(Payments_Signature=f"t={signed_at},v1={signature}"), BODY)
    assert raised.value.message == (
        "the request's timestamp is 3600 s old; at most 300 s is accepted"
    )


@pytest.mark.parametrize(
    ("header", "error", "message"),
    [
        (f"t={int(NOW)}", WebhookSignatureError, "the Payments-Signature header has no v1= part"),
        ("v1=00", WebhookTimestampError, "the request has no t= part of the Payments-Signature"),
        ("t=soon,v1=00", WebhookTimestampError, "t= part of the Payments-Signature header is not"),
    ],
)
def test_a_signature_header_missing_a_part_is_refused_with_the_reason(
    header: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        _parted().verify(_headers(Payments_Signature=header), BODY)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"timestamp_key": "t", "signed_payload": "{timestamp}.{body}"}, "set signature_key too"),
        ({"signature_key": "v1", "timestamp_key": "t"}, "with a timestamp_key, signed_payload"),
        (
            {
                "signature_key": "v1",
                "timestamp_key": "t",
                "timestamp_header": "X-Timestamp",
                "signed_payload": "{timestamp}.{body}",
            },
            "the timestamp's header or its key, not both",
        ),
    ],
)
def test_a_config_of_key_value_parts_that_cannot_protect_is_refused(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        WebhookSourceConfig.model_validate({"path": "/hooks", "secret": SECRET, **config})
