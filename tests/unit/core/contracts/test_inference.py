"""A draft contract from exchanges: templates, parameters, merged body schemas, statuses."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from interloom.core.contracts.inference import ContractInference, infer_contract
from interloom.core.contracts.model import Contract, Operation, ParameterIn
from interloom.core.contracts.traffic import Body, Exchange, RecordedRequest, RecordedResponse
from interloom.formats.contracts.detect import import_contract
from interloom.formats.contracts.openapi_export import export_openapi
from interloom.formats.yaml_writer import dump_yaml

BASE = "https://crm.example.com"


def exchange(
    method: str,
    path: str,
    status: int = 200,
    response: Any = None,
    *,
    request: Any = None,
    request_type: str = "application/json",
    response_type: str = "application/json",
    headers: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    def body(value: Any, media_type: str) -> Body | None:
        if value is None:
            return None
        text = value if isinstance(value, str) else json.dumps(value)
        return Body(media_type=media_type, text=text)

    return Exchange(
        request=RecordedRequest(
            method=method, url=BASE + path, headers=headers, body=body(request, request_type)
        ),
        response=RecordedResponse(status=status, body=body(response, response_type)),
    )


def operation(contract: Contract, method: str, path: str) -> Operation:
    found = [
        op
        for op in contract.operations
        if op.address.kind == "http" and (op.address.method, op.address.path) == (method, path)
    ]
    assert found, [op.match_key for op in contract.operations]
    return found[0]


def test_query_parameters_are_required_when_present_in_every_call() -> None:
    contract = infer_contract(
        [
            exchange("GET", "/customers?page=1&pageSize=20", response=[]),
            exchange("GET", "/customers?page=2&pageSize=20&q=jans", response=[]),
            exchange("GET", "/customers?page=3&pageSize=50&tag=a&tag=b", response=[]),
        ]
    ).contract

    parameters = {p.name: p for p in operation(contract, "GET", "/customers").parameters}

    assert {name: p.required for name, p in parameters.items()} == {
        "page": True,
        "pageSize": True,
        "q": False,
        "tag": False,
    }
    assert parameters["page"].json_schema == {"type": "integer"}
    assert parameters["q"].json_schema == {"type": "string"}
    assert parameters["tag"].json_schema == {"type": "array", "items": {"type": "string"}}
    assert all(p.in_ is ParameterIn.QUERY for p in parameters.values())


def test_body_samples_merge_into_one_schema_with_required_and_merged_types() -> None:
    contract = infer_contract(
        [
            exchange("GET", "/customers/1", response={"id": 1, "limit": 100, "note": None}),
            exchange("GET", "/customers/2", response={"id": 2, "limit": 99.5, "note": "vip"}),
            exchange("GET", "/customers/3", response={"id": 3, "limit": 10, "tier": "gold"}),
        ]
    ).contract

    get = operation(contract, "GET", "/customers/{customerId}")
    schema = get.responses["200"].content["application/json"].json_schema

    assert schema == {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "limit": {"type": "number"},
            "note": {"type": ["null", "string"]},
            "tier": {"type": "string"},
        },
        "required": ["id", "limit"],
    }
    (path_parameter,) = get.parameters
    assert (path_parameter.name, path_parameter.in_, path_parameter.required) == (
        "customerId",
        ParameterIn.PATH,
        True,
    )
    assert path_parameter.json_schema == {"type": "integer"}


def test_statuses_and_media_types_are_kept_per_response() -> None:
    contract = infer_contract(
        [
            exchange("POST", "/customers", 201, {"id": 7}, request={"name": "A"}),
            exchange(
                "POST",
                "/customers",
                422,
                {"title": "Invalid"},
                request={"name": ""},
                response_type="application/problem+json",
            ),
            exchange("DELETE", "/customers/7", 204),
            exchange("GET", "/health", 200, "ok", response_type="text/plain"),
        ]
    ).contract

    create = operation(contract, "POST", "/customers")
    assert set(create.responses) == {"201", "422"}
    assert set(create.responses["422"].content) == {"application/problem+json"}
    assert create.responses["201"].description == "Created"
    assert create.request_body is not None
    assert create.request_body.required
    delete = operation(contract, "DELETE", "/customers/{customerId}")
    assert delete.responses["204"].content == {}
    health = operation(contract, "GET", "/health")
    assert health.responses["200"].content["text/plain"].json_schema == {"type": "string"}
    assert [op.id for op in contract.operations] == [  # by path, then method
        "createCustomer",
        "deleteCustomer",
        "getHealth",
    ]


def test_request_body_is_optional_when_some_calls_sent_none() -> None:
    contract = infer_contract(
        [
            exchange("POST", "/jobs", 202, request={"kind": "export"}),
            exchange("POST", "/jobs", 202),
        ]
    ).contract

    body = operation(contract, "POST", "/jobs").request_body

    assert body is not None
    assert not body.required


def test_form_bodies_are_objects_of_strings() -> None:
    contract = infer_contract(
        [
            exchange(
                "POST",
                "/oauth/token",
                200,
                {"access_token": "x"},
                request="grant_type=client_credentials&scope=read",
                request_type="application/x-www-form-urlencoded",
            )
        ]
    ).contract

    body = operation(contract, "POST", "/oauth/token").request_body
    assert body is not None
    schema = body.content["application/x-www-form-urlencoded"].json_schema
    assert schema is not None
    assert schema["properties"] == {"grant_type": {"type": "string"}, "scope": {"type": "string"}}


def test_credentials_become_security_schemes() -> None:
    bearer = (("Authorization", "Bearer abc"),)
    contract = infer_contract(
        [
            exchange("GET", "/customers", response=[], headers=bearer),
            exchange("GET", "/status", response={}, headers=(("X-API-Key", "k"),)),
            exchange("GET", "/status", response={}),
        ]
    ).contract

    assert contract.security_schemes["bearerAuth"].scheme == "bearer"
    assert contract.security_schemes["apiKey"].parameter_name == "X-API-Key"
    assert operation(contract, "GET", "/customers").security == ({"bearerAuth": ()},)
    assert operation(contract, "GET", "/status").security == ({"apiKey": ()}, {})


def test_base_path_goes_to_the_server_and_other_paths_are_left_out() -> None:
    inference = ContractInference(base_path="/api/v1/")
    for item in (
        exchange("GET", "/api/v1/customers", response=[]),
        exchange("GET", "/metrics", response="up 1", response_type="text/plain"),
    ):
        inference.add(item)

    result = inference.build(title="CRM")

    assert (result.exchanges, result.skipped) == (1, 1)
    assert result.contract.paths == ("/customers",)
    assert [s.url for s in result.contract.servers] == [BASE + "/api/v1"]


def test_cors_preflights_are_left_out() -> None:
    preflight = Exchange(
        request=RecordedRequest(
            method="OPTIONS",
            url=BASE + "/customers",
            headers=(("Access-Control-Request-Method", "POST"),),
        ),
        response=RecordedResponse(status=204),
    )

    result = infer_contract([preflight, exchange("GET", "/customers", response=[])])

    assert result.skipped == 1
    assert [op.method for op in result.operations] == ["GET"]


def test_examples_are_kept_only_when_asked() -> None:
    items = [exchange("GET", "/customers/1", response={"id": 1})]

    without = infer_contract(items).contract
    with_examples = infer_contract(items, examples=True).contract

    def media(contract: Contract) -> Any:
        get = operation(contract, "GET", "/customers/{customerId}")
        return get.responses["200"].content["application/json"]

    assert media(without).examples == {}
    assert media(with_examples).examples["recorded"].value == {"id": 1}


def test_the_draft_exports_as_openapi_that_imports_back() -> None:
    result = infer_contract(
        [
            exchange("GET", "/customers?page=1", response={"items": [{"id": 1}]}),
            exchange("GET", "/customers/1/contacts/3f2b8c1e-6a7d-4e8f-9b0a-1c2d3e4f5a6b"),
            exchange("PATCH", "/customers/1", 200, {"id": 1}, request={"name": "B"}),
        ],
        title="CRM draft",
    )
    text = dump_yaml(export_openapi(result.contract))

    again = import_contract(text.encode(), "draft.yaml")

    assert again.title == "CRM draft"
    assert again.warnings == ()
    assert {op.match_key for op in again.operations} == {
        op.match_key for op in result.contract.operations
    }
    contacts = operation(again, "GET", "/customers/{customerId}/contacts/{contactId}")
    assert [p.json_schema for p in contacts.parameters] == [
        {"type": "integer"},
        {"type": "string", "format": "uuid"},
    ]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from("abcde"), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.lists(st.dictionaries(st.sampled_from("abcdef"), json_values, max_size=5), min_size=1))
def test_every_sample_is_valid_against_the_merged_schema(samples: list[dict[str, Any]]) -> None:
    import jsonschema_rs

    contract = infer_contract(
        [exchange("POST", "/events", 202, request=sample) for sample in samples]
    ).contract
    body = operation(contract, "POST", "/events").request_body
    assert body is not None
    schema = body.content["application/json"].json_schema
    assert schema is not None
    validator = jsonschema_rs.validator_for(schema)

    for sample in samples:
        assert validator.is_valid(sample), (sample, schema)
    required = set(schema.get("required", ()))
    assert required == set.intersection(*(set(sample) for sample in samples))


def test_a_deeply_nested_sample_is_counted_but_does_not_break_inference() -> None:
    deep: Any = 1
    for _ in range(600):
        deep = {"child": deep}

    result = infer_contract(
        [
            exchange("POST", "/trees", 201, {"id": 1}, request=deep),
            exchange("POST", "/trees", 201, {"id": 2}, request={"child": None}),
        ]
    )

    body = operation(result.contract, "POST", "/trees").request_body
    assert body is not None
    assert body.content["application/json"].json_schema == {
        "type": "object",
        "properties": {"child": {"type": "null"}},
        "required": ["child"],
    }
