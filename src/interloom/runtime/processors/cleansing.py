"""Cleansing: trim, normalise dates, phone numbers, country codes and case, field by field.

Each rule names a field (``customer.phone``, or ``lines[].sku`` for every item) and what to
make of it. A value a rule cannot normalise makes the message invalid: it is dropped or
dead-lettered (``on_invalid``), and either way the reason names the field, the value and
the rule. Null and missing fields pass unless the rule says ``required: true``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any

import phonenumbers
import pycountry
import structlog
from dateutil import parser as date_parser
from dateutil import tz
from pydantic import Field, model_validator

from interloom.runtime.processors.base import (
    DROP,
    BuildContext,
    MessageRejectedError,
    Processor,
    StepConfigError,
    _Config,
    pointer,
)
from interloom.runtime.processors.paths import MISSING, describe, parse_path, rewrite_path

log = structlog.get_logger(__name__)


class RuleKind(StrEnum):
    """What a rule does to its field."""

    REQUIRED = "required"  # only checks that the field has a value
    TRIM = "trim"  # strip surrounding white space
    LOWER = "lower"
    UPPER = "upper"
    TITLE = "title"
    DATE = "date"  # to ISO 8601 YYYY-MM-DD
    DATETIME = "datetime"  # to ISO 8601 with seconds (and offset when known)
    PHONE = "phone"  # to E.164, +33123456789
    COUNTRY = "country"  # to ISO 3166-1 alpha-2, from a name, alpha-2, alpha-3 or number


class OnInvalid(StrEnum):
    """What happens to a message that fails a rule."""

    DROP = "drop"  # counted as filtered; the reason is logged
    DEAD_LETTER = "dead_letter"  # rejected with the reasons (a dead letter, once persisted)


class CleanseRule(_Config):
    """One field and what to make of it."""

    field: str = Field(description="Dotted path; lines[].sku applies to every item.")
    rule: RuleKind
    required: bool = Field(default=False, description="Missing, null or empty is invalid.")
    formats: list[str] = Field(
        default_factory=list,
        description="date/datetime: strptime formats tried first, e.g. '%d/%m/%Y'.",
    )
    strict: bool = Field(default=False, description="date/datetime: only the formats, no guessing.")
    dayfirst: bool = Field(
        default=False, description="date/datetime: read 03/04/2025 as 3 April when guessing."
    )
    timezone: str | None = Field(
        default=None, description="datetime: zone of times given without one, e.g. Europe/Paris."
    )
    region: str | None = Field(
        default=None, description="phone: region of numbers written without +, e.g. FR."
    )

    @model_validator(mode="after")
    def _options_fit(self) -> CleanseRule:
        dated = self.rule in (RuleKind.DATE, RuleKind.DATETIME)
        if (self.formats or self.strict or self.dayfirst) and not dated:
            raise ValueError("formats, strict and dayfirst are for the date and datetime rules")
        if self.strict and not self.formats:
            raise ValueError("strict needs 'formats' to read with")
        if self.timezone is not None and self.rule is not RuleKind.DATETIME:
            raise ValueError("timezone is for the datetime rule")
        if self.region is not None and self.rule is not RuleKind.PHONE:
            raise ValueError("region is for the phone rule")
        return self


class CleanseConfig(_Config):
    """Trim and normalise fields; drop or dead-letter messages whose fields will not clean."""

    trim: bool = Field(default=False, description="Trim every text of the message first.")
    rules: list[CleanseRule] = Field(default_factory=list)
    on_invalid: OnInvalid = OnInvalid.DEAD_LETTER

    @model_validator(mode="after")
    def _something(self) -> CleanseConfig:
        if not self.trim and not self.rules:
            raise ValueError("give 'rules', or 'trim: true', or both")
        return self


class InvalidValueError(ValueError):
    """A value a rule cannot normalise, and why."""


Normalise = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValueError(f"{describe(value)}, not a text")
    return value


def _case(method: Callable[[str], str]) -> Normalise:
    return lambda value: method(_text(value))


def _parse_time(rule: CleanseRule, text: str) -> datetime:
    for fmt in rule.formats:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    if rule.strict:
        raise InvalidValueError(f"matches none of the formats {rule.formats}")
    try:
        return date_parser.parse(text, dayfirst=rule.dayfirst, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError) as error:
        raise InvalidValueError(f"not a date: {error}") from None


def _date(rule: CleanseRule) -> Normalise:
    def normalise(value: Any) -> str:
        text = _text(value).strip()
        if not text:
            raise InvalidValueError("empty, not a date")
        parsed = _parse_time(rule, text)
        return date(parsed.year, parsed.month, parsed.day).isoformat()

    return normalise


def _datetime(rule: CleanseRule, zone: tzinfo | None) -> Normalise:
    def normalise(value: Any) -> str:
        text = _text(value).strip()
        if not text:
            raise InvalidValueError("empty, not a date and time")
        parsed = _parse_time(rule, text)
        if parsed.tzinfo is None and zone is not None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.isoformat(timespec="seconds")

    return normalise


def _phone(region: str | None) -> Normalise:
    def normalise(value: Any) -> str:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        text = _text(text).strip()
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as error:
            raise InvalidValueError(f"not a phone number: {error._msg}") from None
        if not phonenumbers.is_valid_number(number):
            where = f" for region {region}" if region and not text.startswith("+") else ""
            raise InvalidValueError(f"not a valid phone number{where}")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    return normalise


def _country(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise InvalidValueError("empty, not a country")
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        raise InvalidValueError("no such country (by ISO code or name)") from None
    return str(country.alpha_2)


def _normaliser(rule: CleanseRule, index: int) -> Normalise | None:
    kind = rule.rule
    if kind is RuleKind.REQUIRED:
        return None
    if kind is RuleKind.TRIM:
        return _case(str.strip)
    if kind is RuleKind.LOWER:
        return _case(str.lower)
    if kind is RuleKind.UPPER:
        return _case(str.upper)
    if kind is RuleKind.TITLE:
        return _case(str.title)
    if kind is RuleKind.DATE:
        return _date(rule)
    if kind is RuleKind.DATETIME:
        zone = None
        if rule.timezone is not None:
            zone = tz.gettz(rule.timezone)
            if zone is None:
                raise StepConfigError(
                    f"unknown time zone '{rule.timezone}'",
                    field=("rules", index, "timezone"),
                    hint="use an IANA name such as Europe/Paris, or UTC",
                )
        return _datetime(rule, zone)
    if kind is RuleKind.PHONE:
        region = rule.region.upper() if rule.region else None
        if region is not None and region not in phonenumbers.SUPPORTED_REGIONS:
            raise StepConfigError(
                f"unknown phone region '{rule.region}'",
                field=("rules", index, "region"),
                hint="use an ISO 3166-1 alpha-2 code such as FR, DE or US",
            )
        return _phone(region)
    return _country


def _trim_all(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: _trim_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trim_all(item) for item in value]
    return value


def build_cleanse(config: CleanseConfig, context: BuildContext) -> Processor:
    """Rules resolved to normalising functions once."""
    rules = [
        (
            parse_path(rule.field, "rules", index, "field", each=True),
            rule,
            _normaliser(rule, index),
        )
        for index, rule in enumerate(config.rules)
    ]
    drop = config.on_invalid is OnInvalid.DROP
    flow, step = context.flow, context.step

    def cleanse(body: Any) -> Any:
        if config.trim:
            body = _trim_all(body)
        if not isinstance(body, dict):
            raise MessageRejectedError(
                f"cleanse works on objects; the message is {describe(body)}",
                [{"pointer": "", "message": "not an object"}],
            )
        failures: list[dict[str, Any]] = []
        for path, rule, normalise in rules:

            def apply(
                value: Any,
                at: list[str | int],
                rule: CleanseRule = rule,
                normalise: Normalise | None = normalise,
            ) -> Any:
                if value is MISSING or value is None or value == "":
                    if rule.required or rule.rule is RuleKind.REQUIRED:
                        failures.append(_failure(at, value, rule, "required, but empty"))
                    return value
                if normalise is None:
                    return value
                try:
                    return normalise(value)
                except InvalidValueError as error:
                    failures.append(_failure(at, value, rule, str(error)))
                    return value

            body = rewrite_path(body, path, apply)
        if not failures:
            return body
        reasons = "; ".join(
            f"{f['field']} = {f['value']!r} fails '{f['rule']}': {f['message']}" for f in failures
        )
        if drop:
            log.warning("step.invalid.dropped", flow=flow, step=step, reasons=reasons)
            return DROP
        raise MessageRejectedError(f"the message fails cleansing: {reasons}", failures)

    return Processor(cleanse)


def _failure(at: list[str | int], value: Any, rule: CleanseRule, reason: str) -> dict[str, Any]:
    return {
        "pointer": pointer(at),
        "field": ".".join(str(part) for part in at),
        "value": None if value is MISSING else value,
        "rule": rule.rule.value,
        "message": reason,
    }
