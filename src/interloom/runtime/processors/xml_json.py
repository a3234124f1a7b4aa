"""XML to JSON and back, in xmltodict's shape: attributes ``@name``, text ``#text``.

Parsing is safe the way defusedxml makes it: entity declarations and external references
are refused (no "billion laughs", no file or network access from a document). Namespaces
are kept: names stay as the document writes them (``o:order``), or, with a ``namespaces``
map (URI -> prefix), every name is written with the prefix the flow chose, whatever prefix
the sender used. With an XSD ``schema``, values are typed by the schema (numbers, booleans,
repeated elements as arrays) and a document that breaks it is rejected with the path.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

import xmlschema
import xmltodict
from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeElementTree
from pydantic import Field

from interloom.runtime.processors.base import (
    BuildContext,
    MessageRejectedError,
    Processor,
    StepConfigError,
    _Config,
)
from interloom.runtime.processors.paths import (
    MISSING,
    PathConflictError,
    describe,
    get_path,
    parse_path,
    set_path,
)


class XmlToJsonConfig(_Config):
    """Parse XML text (the message, or one of its fields) into JSON."""

    source: str | None = Field(
        default=None, description="Dotted field holding the XML; default: the message itself."
    )
    target: str | None = Field(
        default=None, description="Dotted field for the result; default: it is the message."
    )
    namespaces: dict[str, str] | None = Field(
        default=None,
        description="Namespace URI -> prefix to write names with ('' drops the prefix); "
        "default: names as the document writes them.",
    )
    force_list: list[str] = Field(
        default_factory=list, description="Element names that are always arrays."
    )
    schema_file: str | None = Field(
        default=None,
        alias="schema",
        description="XSD file (relative to the project) typing the values; the document must "
        "be valid against it.",
    )


class JsonToXmlConfig(_Config):
    """Write JSON (the message, or one of its fields) as XML text."""

    source: str | None = Field(
        default=None, description="Dotted field holding the object; default: the message."
    )
    target: str | None = Field(
        default=None, description="Dotted field for the XML text; default: it is the message."
    )
    root: str | None = Field(
        default=None, description="Wrap the value in this element (needed unless it has one key)."
    )
    namespaces: dict[str, str] | None = Field(
        default=None, description="Namespace URI -> prefix, for names written 'URI:name'."
    )
    declaration: bool = Field(default=True, description="Start with <?xml version=...?>.")
    pretty: bool = False


class _SafeExpat:
    """pyexpat for xmltodict, refusing entity declarations and external references."""

    ExpatError = expat.ExpatError

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - pyexpat's name
        parser = expat.ParserCreate(*args, **kwargs)

        def entity(name: str, *rest: Any) -> None:
            raise EntitiesForbidden(name, None, None, None, None, None)

        def unparsed(name: str, base: Any, sysid: Any, pubid: Any, notation: Any) -> None:
            raise EntitiesForbidden(name, None, base, sysid, pubid, notation)

        def external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
            raise ExternalReferenceForbidden(context, base, sysid, pubid)

        parser.EntityDeclHandler = entity
        parser.UnparsedEntityDeclHandler = unparsed
        parser.ExternalEntityRefHandler = external
        return parser


def _paths(config: XmlToJsonConfig | JsonToXmlConfig) -> tuple[Any, Any]:
    source = parse_path(config.source, "source") if config.source else None
    target = parse_path(config.target, "target") if config.target else None
    return source, target


def _take(body: Any, source: tuple[str, ...] | None) -> Any:
    if source is None:
        return body
    value = get_path(body, source)
    if value is MISSING:
        where = ".".join(source)
        raise MessageRejectedError(
            f"the message has no field {where}",
            [{"pointer": "/" + "/".join(source), "message": "missing"}],
        )
    return value


def _put(body: Any, target: tuple[str, ...] | None, value: Any) -> Any:
    if target is None:
        return value
    try:
        return set_path(body, target, value)
    except PathConflictError as error:
        raise MessageRejectedError(
            f"cannot write the result: {error.reason}",
            [{"pointer": error.pointer, "message": error.reason}],
        ) from None


def _text(value: Any, source: tuple[str, ...] | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        where = "/" + "/".join(source) if source else ""
        raise MessageRejectedError(
            f"the XML to parse is {describe(value)}, not a text",
            [{"pointer": where, "message": "not a text"}],
        )
    return value


_NAMESPACED = re.compile(r"\{([^}]*)\}")


def _readable(path: str | None, prefixes: dict[str, str]) -> str:
    if not path:
        return ""
    return _NAMESPACED.sub(lambda m: f"{prefixes[m[1]]}:" if prefixes.get(m[1]) else "", path)


def build_xml_to_json(config: XmlToJsonConfig, context: BuildContext) -> Processor:
    """The parser settings fixed once; with a schema, the XSD is read and compiled once."""
    source, target = _paths(config)
    force_list = tuple(config.force_list) or None
    namespaces = config.namespaces
    if config.schema_file is not None:
        return _schema_parser(config, context, source, target)

    def xml_to_json(body: Any) -> Any:
        text = _text(_take(body, source), source)
        try:
            parsed = xmltodict.parse(
                text,
                expat=_SafeExpat,
                disable_entities=False,  # refused by _SafeExpat, with defusedxml's errors
                process_namespaces=namespaces is not None,
                namespaces=namespaces,
                force_list=force_list,
            )
        except (expat.ExpatError, DefusedXmlException, ValueError) as error:
            raise _unparsable(error) from None
        if namespaces:
            parsed = _declared_as(parsed, namespaces)
        return _put(body, target, parsed)

    return Processor(xml_to_json)


def _declared_as(value: Any, prefixes: dict[str, str]) -> Any:
    """Namespace declarations (``@xmlns``) with the flow's prefixes, as the names have them.

    So that the JSON, written back as XML, declares the prefixes its names use.
    """
    if isinstance(value, list):
        return [_declared_as(item, prefixes) for item in value]
    if not isinstance(value, dict):
        return value
    result = {key: _declared_as(item, prefixes) for key, item in value.items()}
    declared = result.get("@xmlns")
    if isinstance(declared, dict):
        result["@xmlns"] = {prefixes.get(uri, prefix): uri for prefix, uri in declared.items()}
    return result


def _unparsable(error: Exception) -> MessageRejectedError:
    reason = str(error) or type(error).__name__
    if isinstance(error, DefusedXmlException):
        reason = f"{reason} (entities and external references are refused)"
    return MessageRejectedError(
        f"the XML does not parse: {reason}", [{"pointer": "", "message": reason}]
    )


def _schema_parser(
    config: XmlToJsonConfig,
    context: BuildContext,
    source: tuple[str, ...] | None,
    target: tuple[str, ...] | None,
) -> Processor:
    assert config.schema_file is not None
    try:
        schema = xmlschema.XMLSchema(str(context.root / config.schema_file))
    except (OSError, xmlschema.XMLSchemaException, SyntaxError, ValueError) as error:
        reason = " ".join(str(error).split())[:300]
        raise StepConfigError(
            f"cannot read the XSD {config.schema_file}: {reason}",
            field=("schema",),
            hint="give an XSD file relative to the project directory",
        ) from None
    prefixes = dict(config.namespaces or {})
    by_prefix = {prefix: uri for uri, prefix in prefixes.items() if prefix}
    force_list = set(config.force_list)

    def xml_to_json(body: Any) -> Any:
        text = _text(_take(body, source), source)
        try:
            element = SafeElementTree.fromstring(text)
        except (SafeElementTree.ParseError, DefusedXmlException, ValueError) as error:
            raise _unparsable(error) from None
        try:
            parsed = schema.to_dict(
                element,
                validation="strict",
                preserve_root=True,
                attr_prefix="@",
                text_key="#text",
                namespaces=by_prefix or None,
                decimal_type=float,
                datetime_types=False,
            )
        except xmlschema.XMLSchemaValidationError as error:
            where = _readable(error.path, prefixes)
            reason = error.reason or "not valid against the schema"
            raise MessageRejectedError(
                f"the XML breaks {config.schema_file} at {where}: {reason}",
                [{"pointer": where, "message": reason}],
            ) from None
        if force_list:
            parsed = _listed(parsed, force_list)
        return _put(body, target, parsed)

    return Processor(xml_to_json)


def _listed(value: Any, names: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                [_listed(v, names)]
                if key in names and not isinstance(v, list)
                else _listed(v, names)
            )
            for key, v in value.items()
        }
    if isinstance(value, list):
        return [_listed(item, names) for item in value]
    return value


def build_json_to_xml(config: JsonToXmlConfig, context: BuildContext) -> Processor:
    """The writer settings fixed once."""
    source, target = _paths(config)
    root = config.root
    options = {
        "full_document": config.declaration,
        "pretty": config.pretty,
        "namespaces": config.namespaces,
    }

    def json_to_xml(body: Any) -> Any:
        value = _take(body, source)
        if root is not None:
            value = {root: value}
        if not isinstance(value, dict) or len(value) != 1:
            raise MessageRejectedError(
                "XML has one root element: the value needs exactly one key, or set 'root'",
                [{"pointer": "", "message": "not a single-key object"}],
            )
        try:
            text = xmltodict.unparse(value, **options)
        except (ValueError, TypeError, AttributeError) as error:
            reason = str(error) or type(error).__name__
            raise MessageRejectedError(
                f"cannot write this value as XML: {reason}", [{"pointer": "", "message": reason}]
            ) from None
        if not config.declaration:
            text = text.lstrip()
        return _put(body, target, text)

    return Processor(json_to_xml)
