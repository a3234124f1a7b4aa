"""Webhook source: an HTTP source that accepts only requests signed with a shared secret.

The sender computes an HMAC (SHA-256 or SHA-1) of the body — optionally of a timestamp and
the body — with the shared secret and sends it in a header; a request whose signature is
missing or wrong is answered 401 and never reaches the flow. With a timestamp (its own header,
or a part of the signature header such as ``t=1801473339,v1=5257…``), a request older (or
newer) than the tolerance is refused too, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field, SecretStr, field_validator, model_validator

from interloom.connectors.http_source import HttpSource, HttpSourceConfig
from interloom.connectors.registry import connector
from interloom.connectors.spec import ConnectorContext
from interloom.core.errors import AuthError


class WebhookSignatureError(AuthError):
    """A webhook request's signature is missing or does not match its body."""

    code = "E-WEBHOOK-001"
    status = 401


class WebhookTimestampError(WebhookSignatureError):
    """A webhook request's timestamp is missing, malformed or outside the tolerance (a replay?)."""

    code = "E-WEBHOOK-002"
    status = 401


class SignatureAlgorithm(StrEnum):
    """The HMAC's hash function."""

    SHA256 = "sha256"
    SHA1 = "sha1"
    SHA512 = "sha512"


class SignatureEncoding(StrEnum):
    """How the signature's bytes are written in the header."""

    HEX = "hex"
    BASE64 = "base64"


class WebhookSourceConfig(HttpSourceConfig):
    """An HTTP route whose requests carry an HMAC signature of their body."""

    secret: SecretStr = Field(
        description="The shared secret. Write it as ${VAR} so that it stays out of the file.",
        examples=["${GITHUB_WEBHOOK_SECRET}"],
    )
    algorithm: SignatureAlgorithm = Field(
        default=SignatureAlgorithm.SHA256, description="Hash function of the HMAC."
    )
    signature_header: str = Field(
        default="X-Hub-Signature-256",
        pattern=r"^[A-Za-z0-9-]+$",
        description="Header carrying the signature.",
    )
    signature_prefix: str = Field(
        default="sha256=", description="Text before the signature in the header ('' for none)."
    )
    encoding: SignatureEncoding = Field(
        default=SignatureEncoding.HEX, description="How the signature is written: hex or base64."
    )
    timestamp_header: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9-]+$",
        description="Header carrying the time of sending (Unix seconds); none: not checked.",
    )
    tolerance_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="Largest difference between the timestamp and this server's clock.",
    )
    signed_payload: str = Field(
        default="{body}",
        description="What is signed: {body} is the raw body, {timestamp} the timestamp header "
        "(e.g. '{timestamp}.{body}' or 'v0:{timestamp}:{body}').",
    )
    signature_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="When the signature header holds key=value parts ('t=1801473339,v1=5257…'): "
        "the key of the signature; any part with it may match (a sender changing its secret "
        "signs with both). signature_prefix is then not used.",
        examples=["v1"],
    )
    timestamp_key: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="With signature_key: the key of the part of the signature header holding "
        "the time of sending, checked and signed as a timestamp_header's would be.",
        examples=["t"],
    )

    @field_validator("secret")
    @classmethod
    def _not_empty(cls, secret: SecretStr) -> SecretStr:
        if not secret.get_secret_value():
            raise ValueError(
                "the secret is empty: if it is written ${VAR}, set that environment variable"
            )
        return secret

    @model_validator(mode="after")
    def _payload_names_the_parts(self) -> WebhookSourceConfig:
        if self.signed_payload.count("{body}") != 1:
            raise ValueError("signed_payload must contain {body} exactly once")
        if self.timestamp_key and not self.signature_key:
            raise ValueError("timestamp_key names a part of the signature: set signature_key too")
        if self.timestamp_key and self.timestamp_header:
            raise ValueError("give the timestamp's header or its key, not both")
        stamped = self.timestamp_header or self.timestamp_key
        if stamped and "{timestamp}" not in self.signed_payload:
            raise ValueError(
                f"with a {'timestamp_header' if self.timestamp_header else 'timestamp_key'}, "
                "signed_payload must contain {timestamp}: an unsigned timestamp does not stop "
                "a replay"
            )
        if not stamped and "{timestamp}" in self.signed_payload:
            raise ValueError("signed_payload uses {timestamp}: set timestamp_header too")
        return self


_HASHES = {
    SignatureAlgorithm.SHA256: hashlib.sha256,
    SignatureAlgorithm.SHA1: hashlib.sha1,
    SignatureAlgorithm.SHA512: hashlib.sha512,
}


@connector(
    "webhook",
    kind="source",
    config=WebhookSourceConfig,
    description="Receive signed webhook calls: an HTTP source that checks an HMAC signature "
    "header before it accepts a request.\n\nA missing or wrong signature, or a timestamp "
    "outside the tolerance, is answered 401 with the reason; the comparison takes constant "
    "time. Takes every setting of the http source as well (path, reply, max_body_bytes).",
    guarantees="Only requests signed with the shared secret reach the flow. With a signed "
    "timestamp, a request cannot be replayed once the tolerance has passed. Then as the "
    "http source: durable reply persists before answering 202.",
    examples=[
        {"path": "/hooks/github", "secret": "${GITHUB_WEBHOOK_SECRET}", "reply": "durable"},
        {
            "path": "/hooks/payments",
            "secret": "${PSP_SECRET}",
            "signature_header": "X-Signature",
            "signature_prefix": "",
            "timestamp_header": "X-Timestamp",
            "signed_payload": "{timestamp}.{body}",
        },
    ],
)
class WebhookSource(HttpSource):
    """An HTTP route that refuses requests whose HMAC signature does not match."""

    config: WebhookSourceConfig

    def __init__(self, config: WebhookSourceConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self._secret = config.secret.get_secret_value().encode()
        self._hash = _HASHES[config.algorithm]
        self._signature_header = config.signature_header.lower().encode("latin-1")
        self._timestamp_header = (
            config.timestamp_header.lower().encode("latin-1") if config.timestamp_header else None
        )
        self._before, _, self._after = config.signed_payload.partition("{body}")
        self._clock = context.clock
        self.check = self.verify

    def verify(self, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> None:
        """Accept the request, or raise :class:`WebhookSignatureError` saying why not."""
        config = self.config
        signature: bytes | None = None
        timestamp: bytes | None = None
        for name, value in headers:
            if name == self._signature_header:
                signature = value
            elif name == self._timestamp_header:
                timestamp = value
        if signature is None:
            raise WebhookSignatureError(
                f"the request has no {config.signature_header} header",
                hint="sign the body with the shared secret and send the signature in it",
            )
        text = signature.decode("latin-1").strip()
        if config.signature_key is not None:
            signatures, timestamp = self._parts(text)
        elif text.startswith(config.signature_prefix):
            signatures = [text[len(config.signature_prefix) :]]
        else:
            raise WebhookSignatureError(
                f"the {config.signature_header} header does not start with "
                f"'{config.signature_prefix}'"
            )
        stamp = self._check_timestamp(timestamp)
        payload = b"".join(
            (
                self._before.replace("{timestamp}", stamp).encode(),
                body,
                self._after.replace("{timestamp}", stamp).encode(),
            )
        )
        expected = hmac.new(self._secret, payload, self._hash).digest()
        matches = [
            hmac.compare_digest(expected, given)
            for given in map(self._decode, signatures)
            if given is not None
        ]
        if not any(matches):
            raise WebhookSignatureError(
                f"the {config.signature_header} header does not match the body",
                hint=f"sign the exact body with HMAC-{config.algorithm.value.upper()} "
                "and the shared secret",
            )

    def _parts(self, text: str) -> tuple[list[str], bytes | None]:
        """The signatures and the timestamp of a ``key=value,key=value`` signature header."""
        config = self.config
        signatures: list[str] = []
        timestamp: bytes | None = None
        for part in text.split(","):
            key, _, value = part.strip().partition("=")
            if key == config.signature_key:
                signatures.append(value)
            elif key == config.timestamp_key and timestamp is None:
                timestamp = value.encode("latin-1")
        if not signatures:
            raise WebhookSignatureError(
                f"the {config.signature_header} header has no {config.signature_key}= part",
                hint=f"send the signature as {config.signature_key}=<signature>",
            )
        return signatures, timestamp

    def _check_timestamp(self, timestamp: bytes | None) -> str:
        config = self.config
        if self._timestamp_header is None and config.timestamp_key is None:
            return ""
        where = (
            f"{config.timestamp_header} header"
            if config.timestamp_key is None
            else f"{config.timestamp_key}= part of the {config.signature_header} header"
        )
        if timestamp is None:
            raise WebhookTimestampError(f"the request has no {where}")
        text = timestamp.decode("latin-1").strip()
        try:
            sent = float(text)
        except ValueError:
            raise WebhookTimestampError(
                f"the {where} is not a Unix time in seconds: {text[:40]}"
            ) from None
        if sent > 100_000_000_000:  # milliseconds
            sent /= 1000
        drift = self._clock() - sent
        if abs(drift) > config.tolerance_seconds:
            when = "old" if drift > 0 else "in the future"
            raise WebhookTimestampError(
                f"the request's timestamp is {abs(drift):.0f} s {when}; at most "
                f"{config.tolerance_seconds} s is accepted",
                hint="a replayed request, or a clock out of step: check the sender's clock",
            )
        return text

    def _decode(self, text: str) -> bytes | None:
        try:
            if self.config.encoding is SignatureEncoding.HEX:
                return bytes.fromhex(text)
            return base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            return None
