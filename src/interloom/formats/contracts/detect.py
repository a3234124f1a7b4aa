"""Import any contract: the format is recognised by content, with the file extension as a hint."""

from __future__ import annotations

import posixpath
import re

from interloom.core.contracts.errors import ContractError, ContractFormatError
from interloom.core.contracts.model import Contract
from interloom.core.errors import Location
from interloom.formats.contracts.asyncapi import import_asyncapi
from interloom.formats.contracts.documents import Document, decode_text, read_document
from interloom.formats.contracts.graphql_sdl import import_graphql_sdl
from interloom.formats.contracts.json_schema import import_json_schema, looks_like_json_schema
from interloom.formats.contracts.openapi import import_openapi
from interloom.formats.contracts.postman import import_postman, looks_like_postman
from interloom.formats.contracts.references import ResolveFile
from interloom.formats.contracts.swagger import import_swagger
from interloom.formats.contracts.wsdl import import_wsdl

SDL_EXTENSIONS = (".graphql", ".graphqls", ".gql", ".sdl")
XML_EXTENSIONS = (".wsdl", ".xsd", ".xml")
_SDL_START = re.compile(
    r"^\s*(?:(?:#[^\n]*|\"\"\"[\s\S]*?\"\"\"|\"[^\"\n]*\")\s*)*"
    r"(?:extend\s+)?(?:schema|type|input|enum|interface|union|scalar|directive)\b"
)
FORMATS_HINT = (
    "Interloom imports OpenAPI 2.0/3.0/3.1, JSON Schema, AsyncAPI 2/3, WSDL 1.1, "
    "GraphQL SDL and Postman collections v2.1"
)


def import_contract(data: bytes, file: str, *, resolve_file: ResolveFile | None = None) -> Contract:
    """The contract in ``data`` (the content of ``file``), whatever its format.

    ``resolve_file(relative_path)`` returns the bytes of another file of the contract, its path
    relative to the directory of ``file``; without it, references to other files are errors.
    Anything malformed raises a :class:`~interloom.core.contracts.ContractError` that says
    where; nothing else is raised.
    """
    try:
        return _import(data, file, resolve_file)
    except RecursionError:
        raise ContractError(
            "not importable: the document is nested too deeply",
            location=Location(file=file),
            hint="schemas nest a few hundred levels at most",
        ) from None


def _import(data: bytes, file: str, resolve_file: ResolveFile | None) -> Contract:
    extension = posixpath.splitext(file.lower())[1]
    text = decode_text(data, file)
    if extension in SDL_EXTENSIONS:
        return import_graphql_sdl(text, file)
    if extension in XML_EXTENSIONS or text.lstrip().startswith("<"):
        return import_wsdl(text, file, resolve_file=resolve_file)
    try:
        document = read_document(data, file)
    except ContractError:
        if _SDL_START.match(text):
            return import_graphql_sdl(text, file)
        raise
    if _SDL_START.match(text) and not _is_structured_contract(document.data):
        return import_graphql_sdl(text, file)  # SDL can read as YAML: `type Query { a`: …
    if not isinstance(document.data, dict):
        raise ContractFormatError(
            "not a contract: the document is not a mapping at its root",
            location=Location(file=file, line=1, column=1),
            hint=FORMATS_HINT,
        )
    return _import_structured(document, resolve_file)


def _is_structured_contract(data: object) -> bool:
    return isinstance(data, dict) and any(key in data for key in ("openapi", "swagger", "asyncapi"))


def _import_structured(document: Document, resolve_file: ResolveFile | None) -> Contract:
    data = document.data
    if "openapi" in data:
        return import_openapi(document, resolve_file)
    if "swagger" in data:
        return import_swagger(document, resolve_file)
    if "asyncapi" in data:
        return import_asyncapi(document, resolve_file)
    if looks_like_postman(data):
        return import_postman(document)
    if looks_like_json_schema(data):
        return import_json_schema(document, resolve_file)
    raise ContractFormatError(
        "not a contract format Interloom knows: no 'openapi', 'swagger', 'asyncapi', "
        "JSON Schema or Postman collection at the root",
        location=Location(file=document.file, line=1, column=1),
        hint=FORMATS_HINT,
    )
