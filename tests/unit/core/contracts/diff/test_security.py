"""Security requirements and schemes; oasdiff rates these changes INFO, and so do we."""

from __future__ import annotations

from collections.abc import Callable

from interloom.core.contracts.diff import DiffResult, Level

from .conftest import line_of, one

NEW = "security/new.yaml"


def test_operation_requirements(pair: Callable[[str], DiffResult]) -> None:
    result = pair("security")

    inherited = one(result, "api-security-scope-added", operation="GET /orders")
    assert "'orders.list'" in inherited.message
    own = one(result, "api-security-scope-added", operation="POST /orders")
    assert "'orders.create'" in own.message
    removed = one(result, "api-security-removed", operation="POST /orders")
    assert "apiKey" in removed.message
    assert one(result, "api-security-added", operation="GET /health").level is Level.INFO


def test_schemes_and_global_requirements(pair: Callable[[str], DiffResult]) -> None:
    result = pair("security")

    assert one(result, "api-security-component-removed").operation is None
    assert "'mtls'" in one(result, "api-security-component-added").message
    token = one(result, "api-security-component-oauth-token-url-changed")
    assert token.new is not None
    assert token.new.line == line_of(NEW, "tokenUrl:")
    added = [f for f in result.findings if f.id == "api-security-component-oauth-scope-added"]
    assert sorted(f.message.rsplit(" ", 1)[-1] for f in added) == [
        "'orders.create'",
        "'orders.list'",
    ]
    assert "'orders.admin'" in one(result, "api-security-component-oauth-scope-removed").message
    global_scope = one(result, "api-global-security-scope-added")
    assert global_scope.new is not None
    assert (global_scope.new.pointer, global_scope.new.line) == (
        "/security",
        line_of(NEW, "security:"),
    )
    assert all(f.level is Level.INFO for f in result.findings)
