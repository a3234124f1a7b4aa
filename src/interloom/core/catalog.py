"""The landscape: systems, the interfaces they expose, and who consumes them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import EmailStr, Field

from interloom.core.definition import Definition, InterfaceRef, SlugId, Text
from interloom.core.refs import INTERFACE_ID_PATTERN


class SystemKind(StrEnum):
    """What a business system is for."""

    ERP = "erp"
    CRM = "crm"
    WMS = "wms"
    PAYMENT = "payment"
    ECOMMERCE = "ecommerce"
    LEGACY = "legacy"
    DATA_WAREHOUSE = "data-warehouse"
    IDENTITY = "identity"
    MESSAGING = "messaging"
    OTHER = "other"


class AuthKind(StrEnum):
    """How a caller authenticates to a system."""

    NONE = "none"
    API_KEY = "api_key"
    BASIC = "basic"
    BEARER = "bearer"
    OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials"
    MTLS = "mtls"
    WS_SECURITY = "ws_security"
    HMAC = "hmac"


class InterfaceStyle(StrEnum):
    """The transport family of an interface."""

    REST = "rest"
    SOAP = "soap"
    EVENT = "event"
    GRAPHQL = "graphql"
    FILE = "file"
    SQL = "sql"


class Lifecycle(StrEnum):
    """Where an interface stands, from first draft to retirement."""

    DRAFT = "draft"
    MOCKED = "mocked"
    CONFORMANT = "conformant"
    LOAD_TESTED = "load-tested"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class Owner(Definition):
    """Who answers for a system: a team, and optionally a person."""

    team: Text
    person: str | None = None
    email: EmailStr | None = None


class Auth(Definition):
    """How callers authenticate to the system."""

    kind: AuthKind = AuthKind.NONE
    description: str | None = None


InterfaceId = Annotated[
    str,
    Field(
        pattern=INTERFACE_ID_PATTERN,
        max_length=127,
        description="Dot-separated lower-case words, unique within the system.",
        examples=["customers.get"],
    ),
]


class Interface(Definition):
    """One operation a system exposes, with the contract that describes it."""

    id: InterfaceId
    name: Text
    style: InterfaceStyle
    contract: Text = Field(
        description="Path of the contract file, relative to the project directory.",
        examples=["contracts/crm.openapi.yaml"],
    )
    operation: str | None = Field(
        default=None,
        description="operationId, SOAP operation or AsyncAPI operation id in the contract.",
    )
    lifecycle: Lifecycle = Lifecycle.DRAFT
    owner: Owner | None = Field(
        default=None, description="Who answers for this interface, when not the system's owner."
    )
    description: str | None = None
    tags: list[Text] = Field(default_factory=list)


class System(Definition):
    """A business system taking part in the integration (one ``systems/*.yaml`` file)."""

    id: SlugId
    name: Text
    kind: SystemKind
    description: str | None = None
    owner: Owner
    base_urls: dict[str, Text] = Field(
        default_factory=dict, description="Environment id to the system's base URL."
    )
    auth: Auth = Field(default_factory=Auth)
    tags: list[Text] = Field(default_factory=list)
    interfaces: list[Interface] = Field(default_factory=list)
    consumes: list[InterfaceRef] = Field(
        default_factory=list, description="Interfaces of other systems this system calls."
    )

    def owner_of(self, interface: Interface) -> Owner:
        """Who answers for ``interface``: its own owner, else the system's."""
        return interface.owner or self.owner
