"""The schema walk: formats compared through the model, recursion, shared schemas."""

from __future__ import annotations

from interloom.core.contracts.diff import Level

from .conftest import diff_files, ids, one


def test_swagger_2_and_its_openapi_3_1_twin_have_no_differences() -> None:
    result = diff_files(
        "cross-format/inventory.swagger.yaml", "cross-format/inventory.openapi31.yaml"
    )

    assert result.findings == ()


def test_asyncapi_2_and_its_asyncapi_3_twin_have_no_differences() -> None:
    result = diff_files("cross-format/stock.asyncapi26.yaml", "cross-format/stock.asyncapi3.yaml")

    assert result.findings == ()


def test_a_swagger_2_file_diffs_against_a_changed_openapi_3_1_successor() -> None:
    result = diff_files(
        "cross-format/inventory.swagger.yaml", "cross-format/inventory-v2.openapi31.yaml"
    )

    lowered = one(result, "request-property-max-length-decreased", path="/name")
    assert lowered.level is Level.ERR
    assert lowered.old is not None
    assert lowered.new is not None
    assert lowered.old.file == "cross-format/inventory.swagger.yaml"
    assert lowered.old.pointer == "/definitions/Item/properties/name/maxLength"
    assert lowered.new.pointer == "/components/schemas/Item/properties/name/maxLength"
    assert one(result, "new-required-request-property", path="/warehouse").level is Level.ERR
    assert ids(result) == {
        "request-property-max-length-decreased",
        "new-required-request-property",
        "response-required-property-added",
    }


def test_recursive_schemas_terminate_and_report_each_change_once_per_use() -> None:
    result = diff_files("recursive/old.yaml", "recursive/new.yaml")

    label = [f for f in result.findings if f.path == "/label"]
    assert sorted((f.id, f.operation) for f in label) == [
        ("request-property-max-length-increased", "PUT /categories/{id}"),
        ("response-property-max-length-increased", "GET /categories/{id}"),
    ]
    # Person is reached through an inline owner on one side and a $ref on the other.
    emails = sorted(f.path for f in result.findings if f.operation == "GET /categories/{id}")
    assert emails == ["/label", "/owner/email", "/owner/manager/email"]
