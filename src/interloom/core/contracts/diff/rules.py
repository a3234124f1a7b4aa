"""The rule catalogue of the contract diff: every finding id, its level, family and meaning.

The catalogue is data, ``rules.tsv`` beside this module (id, level, family, whether the id is
oasdiff's, description). Ids that oasdiff also reports keep oasdiff's id and level, so that
ignore lists and CI rules carry over; the others are Interloom's own, named in the same style.
``docs/contracts-diff.md`` is generated from it, and a test checks every reused id against
oasdiff's published table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files


class Level(StrEnum):
    """How bad a change is for existing clients."""

    ERR = "ERR"
    """Breaking: existing clients fail."""
    WARN = "WARN"
    """Maybe breaking: some clients may fail."""
    INFO = "INFO"
    """Not breaking."""

    @property
    def rank(self) -> int:
        """2 for ERR, 1 for WARN, 0 for INFO: higher is worse."""
        return _RANKS[self]


_RANKS = {Level.ERR: 2, Level.WARN: 1, Level.INFO: 0}


class Family(StrEnum):
    """What a rule is about; the sections of ``docs/contracts-diff.md``."""

    OPERATIONS = "operations"
    PARAMETERS = "parameters"
    REQUEST_BODY = "request-body"
    REQUEST_SCHEMA = "request-schema"
    RESPONSES = "responses"
    RESPONSE_SCHEMA = "response-schema"
    SECURITY = "security"
    COMPONENTS = "components"
    CHANNELS = "asyncapi-channels"
    RECEIVED_MESSAGES = "asyncapi-received-messages"
    SENT_MESSAGES = "asyncapi-sent-messages"
    GRAPHQL = "graphql"
    SOAP = "soap"


FAMILY_TITLES: dict[Family, str] = {
    Family.OPERATIONS: "Operations: added, removed, deprecated",
    Family.PARAMETERS: "Request parameters",
    Family.REQUEST_BODY: "Request bodies",
    Family.REQUEST_SCHEMA: "Request schemas (bodies and parameters)",
    Family.RESPONSES: "Responses and response headers",
    Family.RESPONSE_SCHEMA: "Response schemas (bodies and headers)",
    Family.SECURITY: "Security",
    Family.COMPONENTS: "Components",
    Family.CHANNELS: "AsyncAPI channels, operations and messages",
    Family.RECEIVED_MESSAGES: "AsyncAPI messages the application receives (like requests)",
    Family.SENT_MESSAGES: "AsyncAPI messages the application sends (like responses)",
    Family.GRAPHQL: "GraphQL",
    Family.SOAP: "SOAP (WSDL and XSD)",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of change the diff reports."""

    id: str
    level: Level
    family: Family
    description: str
    oasdiff: bool = False
    """The id (and its level) is oasdiff's."""


def _read_catalogue() -> dict[str, Rule]:
    text = files("interloom.core.contracts.diff").joinpath("rules.tsv").read_text("utf-8")
    rules: dict[str, Rule] = {}
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        rule_id, level, family, oasdiff, description = line.split("\t")
        if rule_id in rules:
            raise ValueError(f"rules.tsv: rule {rule_id!r} is listed twice")
        rules[rule_id] = Rule(rule_id, Level(level), Family(family), description, oasdiff == "yes")
    return rules


RULES: dict[str, Rule] = _read_catalogue()
"""Every rule, in catalogue order (grouped by family)."""


def rule(rule_id: str) -> Rule:
    """The rule with this id (a ``KeyError`` names a rule the catalogue lacks: a bug)."""
    return RULES[rule_id]


__all__ = ["FAMILY_TITLES", "RULES", "Family", "Level", "Rule", "rule"]
