"""Drawing DOT as SVG with the real Graphviz dot: the stamp, and errors that say what to do."""

from __future__ import annotations

import shutil

import pytest

from interloom.services.landscape import (
    DOT_ENV_VAR,
    GraphvizError,
    GraphvizMissingError,
    dot_digest,
    render_svg,
    svg_stamp,
)

SMALL = 'digraph g { "system:a" -> "interface:a.b"; }\n'


@pytest.fixture(scope="module", autouse=True)
def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        pytest.fail("Graphviz dot is missing: run scripts/system-packages.sh", pytrace=False)
    return found


def test_the_svg_carries_the_digest_of_the_dot_it_was_drawn_from() -> None:
    svg = render_svg(SMALL)

    assert svg_stamp(svg) == dot_digest(SMALL)
    assert svg_stamp(render_svg(SMALL.replace("a.b", "a.c"))) != dot_digest(SMALL)
    assert svg.index("interloom landscape") < svg.index("<svg")
    assert "<title>system:a&#45;&gt;interface:a.b</title>" in svg


def test_dot_text_graphviz_rejects_is_a_coded_error_with_its_message() -> None:
    with pytest.raises(GraphvizError) as caught:
        render_svg("digraph { a -> }")

    assert caught.value.code == "E-GRAPHVIZ-001"
    assert caught.value.status == 500
    assert "syntax error" in caught.value.message


def test_the_configured_dot_program_is_used(
    dot_binary: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv(DOT_ENV_VAR, dot_binary)

    assert svg_stamp(render_svg(SMALL)) == dot_digest(SMALL)


def test_no_dot_anywhere_is_a_503_with_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)

    with pytest.raises(GraphvizMissingError) as caught:
        render_svg(SMALL)

    assert (caught.value.code, caught.value.status) == ("E-GRAPHVIZ-002", 503)
    assert caught.value.hint is not None
    assert "apt-get install graphviz" in caught.value.hint
