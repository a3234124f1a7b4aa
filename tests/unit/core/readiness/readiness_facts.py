"""Facts of interfaces for the readiness tests: real contracts, imported, and system files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from interloom.core.catalog import Lifecycle, System
from interloom.core.contracts import Contract
from interloom.core.readiness import ContractProblem, InterfaceFacts, Measurement
from interloom.formats.contract_extensions import read_contract_extensions
from interloom.formats.contracts import import_contract

DATA = Path(__file__).resolve().parents[3] / "data" / "contracts"
RETAIL = Path(__file__).resolve().parents[4] / "examples" / "retail"

PROBLEM_BODY = {
    "application/problem+json": {
        "schema": {"type": "object", "properties": {"title": {"type": "string"}}}
    }
}


def openapi(operation: dict[str, Any], **root: Any) -> dict[str, Any]:
    """An OpenAPI 3.1 document with one operation, ``op``, at ``GET /things``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1.0.0"},
        "paths": {"/things": {"get": {"operationId": "op", **operation}}},
        **root,
    }


def ok_response(example: bool = True) -> dict[str, Any]:
    """A 200 answer with a JSON body, with or without an example."""
    media: dict[str, Any] = {"schema": {"type": "object"}}
    if example:
        media["example"] = {"id": 1}
    return {"description": "ok", "content": {"application/json": media}}


def document_text(document: dict[str, Any] | str) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def import_text(text: str, file: str) -> Contract:
    return import_contract(text.encode("utf-8"), file)


def system_model(**changes: Any) -> System:
    """A system ``things`` with one interface ``things.get`` (changes override its fields)."""
    interface = {
        "id": "things.get",
        "name": "Get things",
        "style": "rest",
        "contract": "contracts/things.json",
        "operation": "op",
        **changes.pop("interface", {}),
    }
    data = {
        "id": "things",
        "name": "Things",
        "kind": "other",
        "owner": {"team": "Things IT", "person": "Kim"},
        "base_urls": {"dev": "http://127.0.0.1:9000"},
        "auth": {"kind": "none"},
        "interfaces": [interface],
        **changes,
    }
    return System.model_validate(data)


def facts(
    document: dict[str, Any] | str | None = None,
    *,
    file: str = "contracts/things.json",
    lifecycle: Lifecycle = Lifecycle.PUBLISHED,
    problem: ContractProblem | None = None,
    environments: tuple[str, ...] = ("dev",),
    consumers: tuple[str, ...] = (),
    measurement: Measurement | None = None,
    **system_changes: Any,
) -> InterfaceFacts:
    """The facts of ``things.get`` whose contract is ``document`` (``None``: none read)."""
    system = system_model(**system_changes)
    contract = extensions = None
    if document is not None:
        text = document_text(document)
        contract = import_text(text, file)
        extensions = read_contract_extensions(text, file).of(system.interfaces[0].operation)
    return InterfaceFacts(
        system=system,
        interface=system.interfaces[0],
        lifecycle=lifecycle,
        contract=contract,
        contract_problem=problem,
        extensions=extensions or frozenset(),
        environments=environments,
        consumers=consumers,
        measurement=measurement,
    )


def file_facts(path: Path, operation: str | None, **changes: Any) -> InterfaceFacts:
    """The facts of an interface whose contract is a file of the test data or the example."""
    base = RETAIL if path.is_relative_to(RETAIL) else DATA
    text = path.read_text("utf-8")
    name = path.relative_to(base).as_posix()
    contract = import_contract(
        text.encode("utf-8"), name, resolve_file=lambda rel: (path.parent / rel).read_bytes()
    )
    interface = {"contract": name, "operation": operation, **changes.pop("interface", {})}
    system = system_model(interface=interface, **changes.pop("system", {}))
    return InterfaceFacts(
        system=system,
        interface=system.interfaces[0],
        lifecycle=changes.pop("lifecycle", Lifecycle.PUBLISHED),
        contract=contract,
        extensions=read_contract_extensions(text, name).of(operation),
        environments=changes.pop("environments", ("dev",)),
        consumers=changes.pop("consumers", ()),
    )
