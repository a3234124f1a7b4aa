"""XML Schema components (read by xmlschema) as JSON Schema 2020-12, with their XML names kept.

The JSON shape of an element is its content: a complex type is an object whose properties are
its child elements and attributes (by local name), an element that may repeat is an array,
``minOccurs="0"`` makes a property optional. Restrictions become ``pattern``, ``enum``,
``minimum``… Each schema carries the OpenAPI ``xml`` keyword so that XML ↔ JSON conversion is
defined by the contract: ``xml.namespace`` on a complex type is the namespace its qualified
child elements share, a property whose element lives elsewhere names its own namespace, an
unqualified one says ``"x-form": "unqualified"``, attributes say ``attribute: true``, text
content of a complex type is the property ``value`` with ``"x-text": true``, and ``xs:list``
values are arrays with ``"x-list": true``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xmlschema
from xmlschema.validators import (
    XsdAnyElement,
    XsdAtomicBuiltin,
    XsdAtomicRestriction,
    XsdAttribute,
    XsdComplexType,
    XsdElement,
    XsdGroup,
    XsdList,
    XsdUnion,
)

from interloom.core.contracts.model import JsonSchema
from interloom.core.contracts.schemas import schema_ref

XSD = "{http://www.w3.org/2001/XMLSchema}"

_INTEGER_BOUNDS: dict[str, tuple[int | None, int | None, str | None]] = {
    "integer": (None, None, None),
    "long": (-(2**63), 2**63 - 1, "int64"),
    "int": (-(2**31), 2**31 - 1, "int32"),
    "short": (-(2**15), 2**15 - 1, None),
    "byte": (-128, 127, None),
    "nonNegativeInteger": (0, None, None),
    "positiveInteger": (1, None, None),
    "nonPositiveInteger": (None, 0, None),
    "negativeInteger": (None, -1, None),
    "unsignedLong": (0, 2**64 - 1, None),
    "unsignedInt": (0, 2**32 - 1, None),
    "unsignedShort": (0, 2**16 - 1, None),
    "unsignedByte": (0, 255, None),
}
_STRING_FORMATS = {
    "date": "date",
    "dateTime": "date-time",
    "time": "time",
    "duration": "duration",
    "anyURI": "uri",
}
_FACETS = {
    "minLength": "minLength",
    "maxLength": "maxLength",
    "minInclusive": "minimum",
    "maxInclusive": "maximum",
    "minExclusive": "exclusiveMinimum",
    "maxExclusive": "exclusiveMaximum",
    "totalDigits": "x-totalDigits",
    "fractionDigits": "x-fractionDigits",
}

Namer = Callable[[Any], str | None]
"""The registry name of a global XSD type or element, ``None`` for an anonymous one."""


def local_name(qname: str | None) -> str:
    """``{urn:x}Name`` → ``Name``."""
    return (qname or "").rsplit("}", 1)[-1]


def namespace_of(qname: str | None) -> str:
    """``{urn:x}Name`` → ``urn:x`` (empty when unqualified)."""
    return qname[1:].split("}", 1)[0] if qname and qname.startswith("{") else ""


def _plain(value: Any) -> Any:
    """A facet or enumeration value as JSON data (Decimal → int/float, dates → text)."""
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return int(number) if number.is_integer() and "." not in str(value) else number


def _typed(xsd_type: Any, text: str) -> Any:
    """A default or fixed value (XML text) as the JSON value of its type."""
    try:
        value = xsd_type.decode(text)
    except (ValueError, TypeError, AttributeError, xmlschema.XMLSchemaException):
        return text
    if isinstance(value, bool | int | float | str):
        return value
    if type(value).__name__ == "Decimal":
        return _plain(value)
    return str(value)


def builtin_schema(name: str) -> JsonSchema:
    """The JSON Schema of a built-in XSD type (``{…XMLSchema}int``)."""
    local = local_name(name)
    if local in _INTEGER_BOUNDS:
        low, high, fmt = _INTEGER_BOUNDS[local]
        schema: JsonSchema = {"type": "integer"}
        if fmt:
            schema["format"] = fmt
        elif low is not None:
            schema["minimum"] = low
        if high is not None and not fmt:
            schema["maximum"] = high
        return schema
    if local == "boolean":
        return {"type": "boolean"}
    if local in ("decimal", "float", "double"):
        return {"type": "number"}
    if local in ("anyType", "anySimpleType"):
        return {}
    if local == "base64Binary":
        return {"type": "string", "contentEncoding": "base64"}
    if local == "hexBinary":
        return {"type": "string", "pattern": "^([0-9a-fA-F]{2})*$"}
    if local in _STRING_FORMATS:
        return {"type": "string", "format": _STRING_FORMATS[local]}
    return {"type": "string"}


class XsdConverter:
    """Converts xmlschema components to JSON Schemas; named components become ``$ref``s."""

    def __init__(self, name_of: Namer) -> None:
        self.name_of = name_of

    def type_schema(self, xsd_type: Any, *, top: bool = False) -> JsonSchema:
        """A type: a ``$ref`` when named (unless ``top``), its structure otherwise."""
        if xsd_type is None:
            return {}
        name = self.name_of(xsd_type)
        if name is not None and not top:
            return schema_ref(name)
        if isinstance(xsd_type, XsdAtomicBuiltin):
            return builtin_schema(xsd_type.name or "")
        if isinstance(xsd_type, XsdComplexType):
            return self._complex(xsd_type)
        if isinstance(xsd_type, XsdAtomicRestriction):
            return self._restriction(xsd_type)
        if isinstance(xsd_type, XsdList):
            return {
                "type": "array",
                "items": self.type_schema(xsd_type.item_type),
                "xml": {"x-list": True},
            }
        if isinstance(xsd_type, XsdUnion):
            return {"anyOf": [self.type_schema(member) for member in xsd_type.member_types]}
        return {}

    def element_schema(self, element: Any) -> JsonSchema:
        """A global element: its content, named in ``xml``."""
        schema = self._element_type(element)
        xml: dict[str, Any] = {"name": local_name(element.name)}
        if namespace_of(element.name):
            xml["namespace"] = namespace_of(element.name)
        return {**schema, "xml": {**schema.get("xml", {}), **xml}}

    def _element_type(self, element: Any) -> JsonSchema:
        xsd_type = element.type
        schema = self.type_schema(xsd_type)
        schema = {**schema, **_annotations(element)}
        if element.fixed is not None:
            schema["const"] = _typed(xsd_type, element.fixed)
        elif element.default is not None:
            schema["default"] = _typed(xsd_type, element.default)
        if element.nillable:
            schema = _with_null(schema)
        return schema

    def _restriction(self, xsd_type: Any) -> JsonSchema:
        base = xsd_type.base_type
        schema = dict(self.type_schema(base)) if self.name_of(base) is None else {}
        if self.name_of(base) is not None:
            schema["allOf"] = [self.type_schema(base)]
            primitive = xsd_type.primitive_type
            if primitive is not None:
                schema.update(
                    {k: v for k, v in builtin_schema(primitive.name).items() if k == "type"}
                )
        if xsd_type.enumeration:
            schema["enum"] = [_plain(v) for v in xsd_type.enumeration]
        patterns = getattr(xsd_type, "patterns", None)
        regexps = [str(r) for r in getattr(patterns, "regexps", None) or ()]
        if regexps:
            schema["pattern"] = f"^(?:{'|'.join(regexps)})$"
        for facet_name, keyword in _FACETS.items():
            facet = xsd_type.facets.get(f"{XSD}{facet_name}")
            if facet is not None and facet.value is not None:
                schema[keyword] = _plain(facet.value)
        length = xsd_type.facets.get(f"{XSD}length")
        if length is not None and length.value is not None:
            schema["minLength"] = schema["maxLength"] = int(length.value)
        if isinstance(schema.get("type"), str) and schema["type"] == "integer":
            schema.pop("x-fractionDigits", None)
        return schema

    def _complex(self, xsd_type: Any) -> JsonSchema:
        namespace = namespace_of(xsd_type.name) or getattr(xsd_type, "target_namespace", "")
        properties: dict[str, JsonSchema] = {}
        required: list[str] = []
        alternatives: list[list[str]] = []
        open_content = False
        base = xsd_type.base_type
        extends = (
            xsd_type.derivation == "extension"
            and isinstance(base, XsdComplexType)
            and self.name_of(base) is not None
        )
        if xsd_type.has_simple_content():
            text = self.type_schema(xsd_type.content)
            text_name = "value" if "value" not in xsd_type.attributes else "_value"
            properties[text_name] = {**text, "xml": {"x-text": True}}
            required.append(text_name)
        elif isinstance(xsd_type.content, XsdGroup):
            base_content = base.content if extends else None
            open_content = self._group(
                xsd_type.content,
                namespace,
                properties,
                required,
                alternatives,
                skip=base_content,
                optional=False,
            )
        inherited = set(base.attributes) if extends else set()
        for name, attribute in xsd_type.attributes.items():
            if name is None or name in inherited or not isinstance(attribute, XsdAttribute):
                continue
            if attribute.use == "prohibited":
                continue
            value = {**self.type_schema(attribute.type), **_annotations(attribute)}
            if attribute.fixed is not None:
                value["const"] = _typed(attribute.type, attribute.fixed)
            elif attribute.default is not None:
                value["default"] = _typed(attribute.type, attribute.default)
            xml: dict[str, Any] = {"attribute": True}
            if attribute.qualified and namespace_of(attribute.name):
                xml["namespace"] = namespace_of(attribute.name)
            properties[local_name(attribute.name)] = {**value, "xml": xml}
            if attribute.use == "required":
                required.append(local_name(attribute.name))
        schema: JsonSchema = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        if alternatives:
            schema["oneOf"] = [{"required": names} for names in alternatives]
        if open_content:
            schema["additionalProperties"] = True
        names: dict[str, Any] = {"namespace": namespace} if namespace else {}
        if getattr(xsd_type, "mixed", False) and not xsd_type.has_simple_content():
            names["x-mixed"] = True  # text between the child elements is not in the JSON shape
        if names:
            schema["xml"] = names
        if extends:
            return {"allOf": [self.type_schema(base), schema]}
        return schema

    def _group(
        self,
        group: Any,
        namespace: str,
        properties: dict[str, JsonSchema],
        required: list[str],
        alternatives: list[list[str]],
        *,
        skip: Any,
        optional: bool,
    ) -> bool:
        """Add a model group's particles to ``properties``; whether it has a wildcard."""
        is_choice = group.model == "choice"
        optional = optional or group.min_occurs == 0
        repeated = group.max_occurs is None or group.max_occurs > 1
        open_content = False
        choice_names: list[str] = []
        for particle in group:
            if skip is not None and particle is skip:
                continue
            if isinstance(particle, XsdGroup):
                open_content |= self._group(
                    particle,
                    namespace,
                    properties,
                    required,
                    alternatives,
                    skip=None,
                    optional=optional or is_choice,
                )
            elif isinstance(particle, XsdAnyElement):
                open_content = True
            elif isinstance(particle, XsdElement):
                name = local_name(particle.name)
                properties[name] = self._particle(particle, namespace, repeated)
                if is_choice:
                    choice_names.append(name)
                elif not optional and particle.min_occurs >= 1:
                    required.append(name)
        if is_choice and len(choice_names) > 1 and not optional and not repeated:
            alternatives.extend([name] for name in choice_names)
        return open_content

    def _particle(self, element: Any, namespace: str, repeated: bool) -> JsonSchema:
        target = element.ref if element.ref is not None else element
        schema = (
            schema_ref(self.name_of(target) or "")
            if element.ref is not None and self.name_of(target)
            else self._element_type(target)
        )
        element_namespace = namespace_of(target.name)
        if not target.qualified and not element_namespace:
            schema = {**schema, "xml": {**schema.get("xml", {}), "x-form": "unqualified"}}
        elif element_namespace and element_namespace != namespace:
            schema = {**schema, "xml": {**schema.get("xml", {}), "namespace": element_namespace}}
        if repeated or element.max_occurs is None or element.max_occurs > 1:
            array: JsonSchema = {"type": "array", "items": schema}
            if element.min_occurs > 1:
                array["minItems"] = element.min_occurs
            if element.max_occurs is not None and element.max_occurs > 1:
                array["maxItems"] = element.max_occurs
            return array
        return schema


def _annotations(component: Any) -> JsonSchema:
    annotation = getattr(component, "annotation", None)
    documentation = getattr(annotation, "documentation", None) if annotation else None
    if documentation:
        text = " ".join(
            " ".join((doc.text or "").split()) for doc in documentation if doc.text
        ).strip()
        if text:
            return {"description": text}
    return {}


def _with_null(schema: JsonSchema) -> JsonSchema:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}
