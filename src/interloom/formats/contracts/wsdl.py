"""WSDL 1.1 (SOAP 1.1 and 1.2 bindings, document/literal and rpc) to the canonical model.

Each operation of a port type is one SOAP operation, bound through the first SOAP binding of
its port type. Its request body is the input message (document style: the part's element;
rpc style: a wrapper named after the operation holding one property per part), its ``200``
response the output message, its ``500`` response the faults. The XML Schema types of
``wsdl:types`` and of imported ``.xsd`` files are read with xmlschema and registered as JSON
Schemas that keep their XML names and namespaces (see ``xsd``), so the XML ↔ JSON conversion
of every message is defined by the contract.
"""

from __future__ import annotations

import difflib
import posixpath
from dataclasses import dataclass, field
from typing import Literal
from xml.etree.ElementTree import Element

from interloom.core.contracts.errors import (
    ContractFormatError,
    ContractReferenceError,
    ContractStructureError,
    ContractWarningCode,
)
from interloom.core.contracts.model import (
    Contract,
    ContractFormat,
    JsonSchema,
    MediaType,
    Operation,
    Parameter,
    ParameterIn,
    RequestBody,
    Response,
    Server,
    SoapAddress,
    Transport,
)
from interloom.core.contracts.schemas import schema_ref
from interloom.formats.contracts.documents import WarningList
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.xml_documents import XmlDocument, read_xml
from interloom.formats.contracts.xml_schemas import XmlSchemas
from interloom.formats.contracts.xsd import builtin_schema, local_name, namespace_of

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_20 = "http://www.w3.org/ns/wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"
SOAP_11 = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP_12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
_MEDIA_TYPES = {"1.1": "text/xml", "1.2": "application/soap+xml"}


def _w(tag: str) -> str:
    return f"{{{WSDL}}}{tag}"


def import_wsdl(text: str, file: str, *, resolve_file: ResolveFile | None = None) -> Contract:
    """A WSDL 1.1 document (with its XML Schemas) as a contract."""
    tree = read_xml(text, file, posixpath.basename(file))
    tag = tree.root.tag
    if tag == f"{{{WSDL_20}}}description":
        raise tree.fail(
            tree.root, "WSDL 2.0 is not supported", ContractFormatError, "Interloom reads WSDL 1.1"
        )
    if tag == f"{{{XSD}}}schema":
        raise tree.fail(
            tree.root,
            "an XML Schema alone is not a contract",
            ContractFormatError,
            "import the WSDL that uses it; its types are read from there",
        )
    if tag != _w("definitions"):
        raise tree.fail(
            tree.root,
            f"not a WSDL 1.1 document: the root element is <{local_name(str(tag))}>",
            ContractFormatError,
            "a WSDL 1.1 document starts with <wsdl:definitions>",
        )
    reader = _WsdlReader(resolve_file)
    reader.add(tree)
    return reader.read(tree)


@dataclass
class _Component:
    element: Element
    tree: XmlDocument


@dataclass
class _WsdlReader:
    resolve_file: ResolveFile | None
    trees: dict[str, XmlDocument] = field(default_factory=dict)
    messages: dict[str, _Component] = field(default_factory=dict)
    port_types: dict[str, _Component] = field(default_factory=dict)
    bindings: dict[str, _Component] = field(default_factory=dict)
    services: dict[str, _Component] = field(default_factory=dict)
    warnings: WarningList = field(default_factory=WarningList)
    types: XmlSchemas | None = None

    def add(self, tree: XmlDocument) -> None:
        """Collect the components of a WSDL file, and of the WSDL files it imports."""
        self.trees[tree.relative] = tree
        namespace = tree.root.get("targetNamespace", "")
        for tag, registry in (
            ("message", self.messages),
            ("portType", self.port_types),
            ("binding", self.bindings),
            ("service", self.services),
        ):
            for element in tree.root.findall(_w(tag)):
                name = element.get("name")
                if not name:
                    raise tree.fail(element, f"<{tag}> has no name", ContractStructureError)
                qname = f"{{{namespace}}}{name}" if namespace else name
                if qname in registry:
                    raise tree.fail(
                        element, f"two <{tag}> elements are named '{name}'", ContractStructureError
                    )
                registry[qname] = _Component(element, tree)
        for imported in tree.root.findall(_w("import")):
            location = imported.get("location")
            if not location or location.endswith(".xsd"):
                continue
            relative = posixpath.normpath(
                posixpath.join(posixpath.dirname(tree.relative), location)
            )
            if relative in self.trees:
                continue
            data = self._read(relative, imported, tree)
            text = data.decode("utf-8", errors="replace")
            file = posixpath.normpath(posixpath.join(posixpath.dirname(tree.file), location))
            self.add(read_xml(text, file, relative))

    def _read(self, relative: str, element: Element, tree: XmlDocument) -> bytes:
        if self.resolve_file is None:
            raise tree.fail(
                element,
                f"'{relative}' is another file, and no directory was given to read it from",
                ContractReferenceError,
            )
        try:
            return self.resolve_file(relative)
        except (OSError, LookupError, ValueError) as error:
            raise tree.fail(
                element, f"'{relative}' cannot be read: {error}", ContractReferenceError
            ) from None

    # --- types ----------------------------------------------------------------------------

    @property
    def _schemas(self) -> XmlSchemas:
        assert self.types is not None, "read() loads the schemas first"
        return self.types

    def read(self, tree: XmlDocument) -> Contract:
        self.types = XmlSchemas(self.trees.values(), self.resolve_file, self.warnings)
        self.types.load()
        schemas = self.types.register()
        endpoints = self._endpoints()
        bound: dict[str, tuple[_Component, Literal["1.1", "1.2"]]] = {}
        for qname, binding in self.bindings.items():
            version = self._soap_version(binding.element)
            if version is None:
                self.warnings.add(
                    ContractWarningCode.UNSUPPORTED_FEATURE,
                    f"binding '{local_name(qname)}' is not a SOAP binding; it is not imported",
                    binding.tree.location(binding.element, f"/binding/{local_name(qname)}"),
                )
                continue
            port_type_name = binding.tree.qname(binding.element, "type")
            if port_type_name is None or port_type_name not in self.port_types:
                raise binding.tree.fail(
                    binding.element,
                    f"binding '{local_name(qname)}' names no port type "
                    f"'{local_name(port_type_name)}'",
                    ContractReferenceError,
                )
            bound.setdefault(port_type_name, (binding, version))
        operations: list[Operation] = []
        ids: set[str] = set()
        for qname, port_type in self.port_types.items():
            binding_info = bound.get(qname)
            for element in port_type.element.findall(_w("operation")):
                operations.append(
                    self._operation(qname, port_type, element, binding_info, endpoints, ids)
                )
        documentation = tree.root.find(_w("documentation"))
        services = list(self.services)
        title = tree.root.get("name") or (local_name(services[0]) if services else None)
        return Contract(
            format=ContractFormat.WSDL,
            format_version="1.1",
            file=tree.file,
            title=title,
            description=_text(documentation),
            servers=tuple(
                Server(url=url, name=port, description=service)
                for service, port, url in endpoints.values()
            ),
            operations=tuple(operations),
            schemas=schemas,
            warnings=tuple(self.warnings.items),
        )

    def _endpoints(self) -> dict[str, tuple[str, str, str]]:
        """Binding QName → (service, port, address) of the first port that serves it."""
        endpoints: dict[str, tuple[str, str, str]] = {}
        for qname, service in self.services.items():
            for port in service.element.findall(_w("port")):
                binding = service.tree.qname(port, "binding")
                if binding is not None and binding not in self.bindings:
                    raise service.tree.fail(
                        port,
                        f"port '{port.get('name')}' names no binding '{binding}'",
                        ContractReferenceError,
                        _close(binding, list(self.bindings)),
                    )
                address = port.find(f"{{{SOAP_11}}}address")
                if address is None:
                    address = port.find(f"{{{SOAP_12}}}address")
                if binding and address is not None and address.get("location"):
                    endpoints.setdefault(
                        binding,
                        (local_name(qname), port.get("name") or "", address.get("location") or ""),
                    )
        return endpoints

    @staticmethod
    def _soap_version(binding: Element) -> Literal["1.1", "1.2"] | None:
        if binding.find(f"{{{SOAP_11}}}binding") is not None:
            return "1.1"
        if binding.find(f"{{{SOAP_12}}}binding") is not None:
            return "1.2"
        return None

    def _operation(
        self,
        port_type_name: str,
        port_type: _Component,
        element: Element,
        binding_info: tuple[_Component, Literal["1.1", "1.2"]] | None,
        endpoints: dict[str, tuple[str, str, str]],
        ids: set[str],
    ) -> Operation:
        tree = port_type.tree
        name = element.get("name")
        if not name:
            raise tree.fail(element, "<operation> has no name", ContractStructureError)
        pointer = f"/portType/{local_name(port_type_name)}/operation/{name}"
        version: Literal["1.1", "1.2"] = "1.1"
        soap_action = None
        style: Literal["document", "rpc"] = "document"
        body_namespace = None
        headers: list[tuple[Element, XmlDocument]] = []
        endpoint = service = port = None
        body_parts: dict[str, list[str] | None] = {"input": None, "output": None}
        if binding_info is not None:
            binding, version = binding_info
            soap = f"{{{SOAP_11 if version == '1.1' else SOAP_12}}}"
            soap_binding = binding.element.find(f"{soap}binding")
            style = _style(soap_binding.get("style") if soap_binding is not None else None)
            bound = next(
                (op for op in binding.element.findall(_w("operation")) if op.get("name") == name),
                None,
            )
            if bound is not None:
                soap_operation = bound.find(f"{soap}operation")
                if soap_operation is not None:
                    soap_action = soap_operation.get("soapAction")
                    style = _style(soap_operation.get("style") or style)
                for direction in ("input", "output"):
                    child = bound.find(_w(direction))
                    body = child.find(f"{soap}body") if child is not None else None
                    if body is not None:
                        if body.get("use") == "encoded":
                            self.warnings.add(
                                ContractWarningCode.UNSUPPORTED_FEATURE,
                                f"operation '{name}' uses SOAP encoding; its body is read as "
                                "literal XML",
                                binding.tree.location(body),
                            )
                        body_namespace = body_namespace or body.get("namespace")
                        if body.get("parts") is not None:
                            body_parts[direction] = (body.get("parts") or "").split()
                    if child is not None and direction == "input":
                        headers += [(h, binding.tree) for h in child.findall(f"{soap}header")]
            binding_qname = next(q for q, b in self.bindings.items() if b is binding)
            if binding_qname in endpoints:
                service, port, endpoint = endpoints[binding_qname]
        namespace = tree.root.get("targetNamespace", "")
        wrapper_namespace = body_namespace or namespace
        request, input_element = self._body(
            tree, element.find(_w("input")), style, name, wrapper_namespace, body_parts["input"]
        )
        response, output_element = self._body(
            tree,
            element.find(_w("output")),
            style,
            f"{name}Response",
            wrapper_namespace,
            body_parts["output"],
        )
        media = _MEDIA_TYPES[version]
        responses: dict[str, Response] = {}
        if element.find(_w("output")) is not None:
            responses["200"] = Response(
                status="200",
                description=f"{name} output",
                content={media: MediaType(json_schema=response)} if response else {},
            )
        else:
            responses["202"] = Response(status="202", description="one-way: no answer")
        faults = [self._fault(tree, fault) for fault in element.findall(_w("fault"))]
        if faults:
            names = ", ".join(fault_name for fault_name, _ in faults)
            schemas = [schema for _, schema in faults]
            responses["500"] = Response(
                status="500",
                description=f"SOAP fault: {names}",
                content={
                    media: MediaType(
                        json_schema=schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
                    )
                },
            )
        operation_id = name if name not in ids else f"{local_name(port_type_name)}.{name}"
        ids.add(operation_id)
        return Operation(
            id=operation_id,
            transport=Transport.SOAP,
            address=SoapAddress(
                port_type=local_name(port_type_name),
                operation=name,
                namespace=namespace,
                soap_action=soap_action or None,
                soap_version=version,
                style=style,
                service=service,
                port=port,
                endpoint=endpoint,
                input_element=input_element,
                output_element=output_element,
            ),
            description=_text(element.find(_w("documentation"))),
            parameters=tuple(self._header(header, header_tree) for header, header_tree in headers),
            request_body=RequestBody(required=True, content={media: MediaType(json_schema=request)})
            if request
            else None,
            responses=responses,
            location=tree.location(element, pointer),
        )

    def _message_parts(
        self, tree: XmlDocument, reference: Element
    ) -> list[tuple[Element, XmlDocument]]:
        message_name = tree.qname(reference, "message")
        if message_name is None:
            raise tree.fail(
                reference,
                f"<{local_name(str(reference.tag))}> names no message",
                ContractStructureError,
            )
        message = self.messages.get(message_name)
        if message is None:
            raise tree.fail(
                reference,
                f"message '{local_name(message_name)}' is not declared",
                ContractReferenceError,
                hint=_close(message_name, list(self.messages)),
            )
        return [(part, message.tree) for part in message.element.findall(_w("part"))]

    def _part_schema(self, part: Element, tree: XmlDocument) -> tuple[JsonSchema, str | None]:
        """A message part's schema, and its element's qualified name when it has one."""
        element = tree.qname(part, "element")
        if element is not None:
            name = self._schemas.element_name(element)
            if name is None:
                raise tree.fail(
                    part,
                    f"part '{part.get('name')}' names no schema element '{local_name(element)}'",
                    ContractReferenceError,
                )
            return schema_ref(name), element
        type_name = tree.qname(part, "type")
        if type_name is None:
            raise tree.fail(
                part,
                f"part '{part.get('name')}' has neither element nor type",
                ContractStructureError,
            )
        if namespace_of(type_name) == XSD:
            return builtin_schema(type_name), None
        name = self._schemas.type_name(type_name)
        if name is None:
            raise tree.fail(
                part,
                f"part '{part.get('name')}' names no schema type '{local_name(type_name)}'",
                ContractReferenceError,
            )
        return schema_ref(name), None

    def _body(
        self,
        tree: XmlDocument,
        reference: Element | None,
        style: str,
        wrapper: str,
        namespace: str,
        only: list[str] | None,
    ) -> tuple[JsonSchema | None, str | None]:
        if reference is None:
            return None, None
        parts = self._message_parts(tree, reference)
        if only is not None:
            parts = [(part, t) for part, t in parts if part.get("name") in only]
        if style == "document" and len(parts) == 1:
            return self._part_schema(*parts[0])
        properties = {}
        for part, part_tree in parts:
            schema, _ = self._part_schema(part, part_tree)
            if style == "rpc":  # part accessors are unqualified children of the wrapper
                schema = {**schema, "xml": {"x-form": "unqualified"}}
            properties[part.get("name") or "part"] = schema
        body: JsonSchema = {"type": "object", "properties": properties}
        if properties:
            body["required"] = list(properties)
        if style == "rpc":
            body["xml"] = (
                {"name": wrapper, "namespace": namespace} if namespace else {"name": wrapper}
            )
            return body, f"{{{namespace}}}{wrapper}" if namespace else wrapper
        return body, None

    def _fault(self, tree: XmlDocument, fault: Element) -> tuple[str, JsonSchema]:
        parts = self._message_parts(tree, fault)
        name = fault.get("name") or "fault"
        if len(parts) == 1:
            schema, _ = self._part_schema(*parts[0])
            return name, {**schema, "title": name}
        properties = {p.get("name") or "part": self._part_schema(p, t)[0] for p, t in parts}
        return name, {"type": "object", "title": name, "properties": properties}

    def _header(self, header: Element, tree: XmlDocument) -> Parameter:
        parts = self._message_parts(tree, header)
        wanted = header.get("part")
        found = next(((p, t) for p, t in parts if p.get("name") == wanted), None)
        if found is None:
            raise tree.fail(
                header,
                f"SOAP header names no part '{wanted}' of its message",
                ContractReferenceError,
            )
        schema, element = self._part_schema(*found)
        return Parameter(
            name=local_name(element) if element else wanted or "header",
            in_=ParameterIn.HEADER,
            required=True,
            json_schema=schema,
            description="SOAP header block",
            location=tree.location(header, f"/binding/header/{wanted}"),
        )


def _style(value: str | None) -> Literal["document", "rpc"]:
    return "rpc" if value == "rpc" else "document"


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def _close(name: str, candidates: list[str]) -> str:
    same_name = [c for c in candidates if local_name(c) == local_name(name) and c != name]
    if same_name:
        return f"'{local_name(name)}' is declared as '{same_name[0]}': check the namespace prefix"
    locals_ = [local_name(c) for c in candidates]
    found = difflib.get_close_matches(local_name(name), locals_, 1, 0.6)
    return f"did you mean '{found[0]}'?" if found else ""
