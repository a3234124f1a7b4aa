"""The XML Schemas of a WSDL (inline and imported), read by xmlschema and registered by name.

Global types keep their local name; a global element named like a type gets ``Element``
appended (``<Invoice>`` of type ``Invoice``); other clashes across namespaces get a suffix and
a warning.
"""

from __future__ import annotations

import posixpath
import warnings
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import xmlschema
from xmlschema.validators import XsdElement

from interloom.core.contracts.errors import (
    ContractError,
    ContractReferenceError,
    ContractStructureError,
    ContractWarningCode,
)
from interloom.core.contracts.model import NamedSchema, SourceLocation
from interloom.formats.contracts.documents import WarningList
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.xml_documents import (
    ContractFiles,
    XmlDocument,
    base_url_of,
    opener_for,
    read_xml,
)
from interloom.formats.contracts.xsd import XsdConverter, local_name, namespace_of

XSD = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
_BUILT_IN_NAMESPACES = frozenset(
    {
        XSD,
        "http://www.w3.org/XML/1998/namespace",
        "http://www.w3.org/2001/XMLSchema-instance",
        "http://schemas.xmlsoap.org/soap/encoding/",
        WSDL,
    }
)
_XML_ERRORS = (xmlschema.XMLSchemaException, ValueError, TypeError, KeyError, ParseError)


class XmlSchemas:
    """The global types and elements of a WSDL's schemas, and their registry names."""

    def __init__(
        self,
        documents: Iterable[XmlDocument],
        resolve_file: ResolveFile | None,
        warnings: WarningList,
    ) -> None:
        self.documents = list(documents)
        self.resolve_file = resolve_file
        self.warnings = warnings
        self.types: dict[str, Any] = {}
        self.elements: dict[str, Any] = {}
        self.names: dict[tuple[str, str], str] = {}
        self.imported: list[XmlDocument] = []

    def load(self) -> None:
        """Build every ``wsdl:types`` schema (and what they import) into one set of maps."""
        opener, files = opener_for(self.resolve_file)
        first: Any = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for document in self.documents:
                    base_url = base_url_of(document.relative)
                    resource = xmlschema.XMLResource(
                        document.text, base_url=base_url, defuse="always", opener=opener
                    )
                    options: dict[str, Any] = {
                        "build": False,
                        "opener": opener,
                        "base_url": base_url,
                    }
                    sources: list[Any] = [
                        resource.subresource(schema)
                        for schema in resource.root.findall(f"{{{WSDL}}}types/{{{XSD}}}schema")
                    ]
                    sources += [  # <wsdl:import location="types.xsd"/>: a schema, not a WSDL
                        urljoin(base_url, element.get("location") or "")
                        for element in document.root.findall(f"{{{WSDL}}}import")
                        if (element.get("location") or "").endswith(".xsd")
                    ]
                    for source in sources:
                        if first is None:
                            first = xmlschema.XMLSchema10(source, **options)
                        else:
                            xmlschema.XMLSchema10(source, global_maps=first.maps, **options)
                if first is None:
                    return
                first.maps.build()
        except _XML_ERRORS as error:
            self._failed_import(files)
            raise self._schema_error(error) from None
        if files.failures:
            relative, reason = next(iter(files.failures.items()))
            self.warnings.add(
                ContractWarningCode.UNSUPPORTED_FEATURE,
                f"the schema '{relative}' was not read ({reason}); none of its types is used",
                None,
            )
        root_file = self.documents[0].file
        for relative, data in files.files.items():
            file = posixpath.normpath(posixpath.join(posixpath.dirname(root_file), relative))
            try:
                self.imported.append(read_xml(data.decode("utf-8", "replace"), file, relative))
            except ContractError:
                continue  # xmlschema read it; a position is all that is lost
        for qname, xsd_type in first.maps.types.items():
            if namespace_of(qname) not in _BUILT_IN_NAMESPACES:
                self.types[qname] = xsd_type
        for qname, element in first.maps.elements.items():
            if namespace_of(qname) not in _BUILT_IN_NAMESPACES:
                self.elements[qname] = element

    def _failed_import(self, files: ContractFiles) -> None:
        for relative, reason in files.failures.items():
            message = f"the schema '{relative}' cannot be read: {reason}"
            for document in self.documents:
                for element in document.root.iter():
                    location = element.get("schemaLocation") or ""
                    if location and posixpath.normpath(location) == posixpath.normpath(relative):
                        raise document.fail(element, message, ContractReferenceError)
            raise ContractReferenceError(message)

    def _schema_error(self, error: Exception) -> ContractError:
        message = getattr(error, "message", None) or str(error).strip().splitlines()[0]
        culprit = getattr(error, "elem", None)
        for document in self.documents:
            for element in document.root.iter():
                if culprit is not None and (
                    element.tag == culprit.tag and dict(element.attrib) == dict(culprit.attrib)
                ):
                    return document.fail(
                        element, f"invalid XML Schema: {message}", ContractStructureError
                    )
        return self.documents[0].fail(
            None, f"invalid XML Schema: {message}", ContractStructureError
        )

    def register(self) -> dict[str, NamedSchema]:
        """Name every global type and element, and convert each to JSON Schema."""
        taken: set[str] = set()
        type_names = {local_name(qname) for qname in self.types}
        for kind, components in (("type", self.types), ("element", self.elements)):
            for qname in components:
                name = local_name(qname)
                if kind == "element" and name in type_names:
                    name = f"{name}Element"
                unique, counter = name, 1
                while unique in taken:
                    counter += 1
                    unique = f"{name}_{counter}"
                if unique != name:
                    self.warnings.add(
                        ContractWarningCode.SCHEMA_RENAMED,
                        f"XML Schema {kind} '{qname}' is registered as '{unique}'",
                        None,
                    )
                taken.add(unique)
                self.names[(kind, qname)] = unique
        converter = XsdConverter(self.name_of)
        schemas: dict[str, NamedSchema] = {}
        for (kind, qname), name in self.names.items():
            schema = (
                converter.element_schema(self.elements[qname])
                if kind == "element"
                else converter.type_schema(self.types[qname], top=True)
            )
            schemas[name] = NamedSchema(
                name=name, json_schema=schema, location=self._location(kind, qname)
            )
        return schemas

    def name_of(self, component: Any) -> str | None:
        """The registry name of a global type or element; ``None`` for anything else."""
        name = getattr(component, "name", None)
        if not isinstance(name, str):
            return None
        kind = "element" if isinstance(component, XsdElement) else "type"
        registered = self.names.get((kind, name))
        known = self.elements if kind == "element" else self.types
        return registered if registered and known.get(name) is component else None

    def element_name(self, qname: str) -> str | None:
        """The registry name of the global element ``{namespace}local``."""
        return self.names.get(("element", qname))

    def type_name(self, qname: str) -> str | None:
        """The registry name of the global type ``{namespace}local``."""
        return self.names.get(("type", qname))

    def _location(self, kind: str, qname: str) -> SourceLocation | None:
        tags = (
            (f"{{{XSD}}}element",)
            if kind == "element"
            else (f"{{{XSD}}}complexType", f"{{{XSD}}}simpleType")
        )
        for document in (*self.documents, *self.imported):
            for schema in document.root.iter(f"{{{XSD}}}schema"):
                if schema.get("targetNamespace", "") != namespace_of(qname):
                    continue
                for child in schema:
                    if child.tag in tags and child.get("name") == local_name(qname):
                        return document.location(child, f"/types/{kind}/{local_name(qname)}")
        return None
