"""URL templates of a flow: literal text and ``{expression}`` parts filled from each message.

A ``{...}`` part holds a JSONata expression evaluated on the message; its value is
percent-encoded (``/`` included), so an id can never change the path. ``${VAR}`` is an
environment variable, expanded when the flow is loaded: it is kept as text here. A template is
parsed and its expressions compiled once; a template with no expression is its text, and
rendering it evaluates nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from interloom.core.flows.expressions import UNDEFINED, CompiledExpression

__all__ = [
    "PATH_PARAMETER",
    "UrlTemplate",
    "UrlTemplateError",
    "UrlValueError",
    "contract_url_template",
    "parse_url_template",
    "path_parameters",
    "url_value",
]

PATH_PARAMETER = re.compile(r"\{([^{}/]*)\}")
"""A parameter of a contract's path template: ``/orders/{orderId}/status``."""

UrlPart = str | CompiledExpression


class UrlTemplateError(ValueError):
    """A template whose braces do not balance."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UrlValueError(ValueError):
    """A part of the template gives no text or number for this message."""

    def __init__(self, source: str, what: str) -> None:
        super().__init__(f"the URL part {{{source}}} gives {what}, not a text or a number")
        self.source = source
        self.what = what


def url_value(value: Any, source: str) -> str:
    """``value`` as it goes in a URL, percent-encoded; :class:`UrlValueError` when it cannot."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int | float):
        return quote(str(value), safe="")
    raise UrlValueError(source, "nothing" if value is UNDEFINED else type(value).__name__)


@dataclass(frozen=True, slots=True)
class UrlTemplate:
    """Literal and expression parts, and query parameters (left out when they give nothing)."""

    parts: tuple[UrlPart, ...]
    query: tuple[tuple[str, CompiledExpression], ...] = ()

    @property
    def fixed(self) -> str | None:
        """The URL when no part depends on the message, else ``None``."""
        if self.query or any(not isinstance(part, str) for part in self.parts):
            return None
        return "".join(part for part in self.parts if isinstance(part, str))

    def render(self, body: Any) -> str:
        """The URL for this message; :class:`UrlValueError` names a part that gives nothing."""
        url = "".join(
            part if isinstance(part, str) else url_value(part.evaluate(body), part.text)
            for part in self.parts
        )
        pairs: list[str] = []
        for name, part in self.query:
            value = part.evaluate(body)
            if value is UNDEFINED or value is None:
                continue
            items = value if isinstance(value, list) else [value]
            key = quote(name, safe="")
            pairs += [f"{key}={url_value(item, part.text)}" for item in items]
        if pairs:
            url += ("&" if "?" in url else "?") + "&".join(pairs)
        return url


def _split(text: str) -> list[tuple[str, bool]]:
    """The template's pieces, each with whether it is an expression."""
    pieces: list[tuple[str, bool]] = []
    literal, index = "", 0
    while index < len(text):
        char = text[index]
        if char == "}":
            raise UrlTemplateError(
                f"unbalanced '}}' at column {index + 1} of the URL template",
                "an expression is written {like.this}",
            )
        if char != "{":
            literal += char
            index += 1
            continue
        depth, end = 1, index + 1
        while end < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        if depth:
            raise UrlTemplateError(
                f"the expression at column {index + 1} of the URL template is not closed",
                "close it with }",
            )
        if literal.endswith("$"):  # ${VAR}: an environment variable, not an expression
            literal += text[index:end]
        else:
            if literal:
                pieces.append((literal, False))
                literal = ""
            pieces.append((text[index + 1 : end - 1].strip(), True))
        index = end
    if literal:
        pieces.append((literal, False))
    return pieces


def parse_url_template(text: str, query: Mapping[str, str] | None = None) -> UrlTemplate:
    """Compile ``text`` and the query's expressions once.

    Raises :class:`UrlTemplateError` for unbalanced braces and
    :class:`~interloom.core.flows.expressions.ExpressionError` for an expression that does not
    compile.
    """
    parts: list[UrlPart] = [
        CompiledExpression(piece, target="url") if is_expression else piece
        for piece, is_expression in _split(text)
    ]
    compiled = tuple(
        (name, CompiledExpression(source, target=f"query.{name}"))
        for name, source in (query or {}).items()
    )
    return UrlTemplate(tuple(parts), compiled)


def path_parameters(path: str) -> list[str]:
    """The parameter names of a contract's path template, in order."""
    return PATH_PARAMETER.findall(path)


def contract_url_template(
    base: str,
    path: str,
    values: Mapping[str, CompiledExpression],
    query: Mapping[str, CompiledExpression] | None = None,
) -> UrlTemplate:
    """A template from a server URL and a contract's path, each ``{name}`` given by ``values``.

    Every parameter of ``path`` must have a value (the caller checks, to name what is missing).
    """
    parts: list[UrlPart] = []
    literal = base.rstrip("/")
    position = 0
    for match in PATH_PARAMETER.finditer(path):
        literal += path[position : match.start()]
        if literal:
            parts.append(literal)
        parts.append(values[match.group(1)])
        literal, position = "", match.end()
    literal += path[position:]
    if literal:
        parts.append(literal)
    return UrlTemplate(tuple(parts), tuple((query or {}).items()))
