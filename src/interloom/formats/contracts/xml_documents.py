"""XML files of a contract: parsed safely with positions, and served to xmlschema.

ElementTree keeps neither line numbers nor the namespace prefixes that QName attributes
(``message="tns:GetInvoiceRequest"``) use, so a tree builder notes both while expat parses.
xmlschema fetches imported XSD files through :class:`ContractFiles`, a urllib handler that
reads them with the import's ``resolve_file`` callback: nothing else is ever opened.
"""

from __future__ import annotations

import io
import posixpath
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from dataclasses import dataclass
from email.message import Message as EmailMessage
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from xmlschema.locations import SCHEMAS_DIR

from interloom.core.contracts.errors import ContractError, ContractReferenceError
from interloom.core.contracts.model import SourceLocation
from interloom.core.errors import Location
from interloom.formats.contracts.references import ResolveFile

_ROOT = "/interloom-contract"
BASE_URL = f"file://{_ROOT}/"
"""Where xmlschema believes the contract's files are; :class:`ContractFiles` serves them."""


def base_url_of(relative: str) -> str:
    """The URL xmlschema resolves the relative references of the file ``relative`` against."""
    directory = posixpath.dirname(relative)
    return f"{BASE_URL}{directory}/" if directory else BASE_URL


def opener_for(
    resolve_file: ResolveFile | None,
) -> tuple[urllib.request.OpenerDirector, ContractFiles]:
    """A urllib opener that can only read the contract's own files."""
    files = ContractFiles(resolve_file)
    opener = urllib.request.OpenerDirector()
    opener.add_handler(files)
    return opener, files


@dataclass
class XmlDocument:
    """One parsed XML file: elements with their line, column and namespace prefixes."""

    file: str
    relative: str
    text: str
    root: Element
    positions: dict[int, tuple[int, int]]
    prefixes: dict[int, dict[str, str]]

    def location(self, element: Element | None, pointer: str = "") -> SourceLocation:
        line, column = (
            self.positions.get(id(element), (None, None))
            if element is not None
            else (
                None,
                None,
            )
        )
        return SourceLocation(file=self.file, line=line, column=column, pointer=pointer)

    def fail(
        self, element: Element | None, message: str, error: type[ContractError], hint: str = ""
    ) -> ContractError:
        location = self.location(element).to_location()
        return error(message, location=location, hint=hint or None)

    def qname(self, element: Element, attribute: str) -> str | None:
        """An attribute holding a QName (``tns:Name``) as ``{namespace}Name``."""
        value = element.get(attribute)
        if value is None:
            return None
        prefix, _, local = value.rpartition(":")
        namespace = self.prefixes.get(id(element), {}).get(prefix)
        if namespace is None:
            if prefix:
                raise self.fail(
                    element,
                    f"{attribute}='{value}' uses the undeclared namespace prefix '{prefix}'",
                    ContractReferenceError,
                )
            namespace = ""
        return f"{{{namespace}}}{local}" if namespace else local


class _Builder(TreeBuilder):
    """A tree builder that notes where each element starts and which prefixes it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.positions: dict[int, tuple[int, int]] = {}
        self.prefixes: dict[int, dict[str, str]] = {}
        self._scopes: list[dict[str, str]] = [{}]
        self._pending: dict[str, str] = {}

    def start_ns(self, prefix: str, uri: str) -> None:
        self._pending[prefix or ""] = uri

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        scope = {**self._scopes[-1], **self._pending} if self._pending else self._scopes[-1]
        self._pending = {}
        self._scopes.append(scope)
        expat = self.parser.parser
        self.positions[id(element)] = (expat.CurrentLineNumber, expat.CurrentColumnNumber + 1)
        self.prefixes[id(element)] = scope
        return element

    def end(self, tag: Any) -> Element:
        self._scopes.pop()
        return super().end(tag)


def read_xml(text: str, file: str, relative: str) -> XmlDocument:
    """Parse XML without DTDs or entities, noting where each element starts."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(text)
        root = parser.close()
    except ParseError as error:
        line, column = error.position
        reason = str(error).split(":", 1)[0]
        raise ContractError(
            f"not well-formed XML: {reason}",
            location=Location(file=file, line=line, column=column + 1),
        ) from None
    except DefusedXmlException:
        raise ContractError(
            "the XML declares a DTD or entities, which contracts may not use",
            location=Location(file=file, line=1),
            hint="remove the <!DOCTYPE …> declaration",
        ) from None
    return XmlDocument(file, relative, text, root, builder.positions, builder.prefixes)


class ContractFiles(urllib.request.BaseHandler):
    """Serves ``file:`` URLs of xmlschema from the contract's ``resolve_file`` callback."""

    def __init__(self, resolve_file: ResolveFile | None) -> None:
        self.resolve_file = resolve_file
        self.failures: dict[str, str] = {}
        self.files: dict[str, bytes] = {}

    def file_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        url = request.full_url
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        headers = EmailMessage()
        if path.startswith(str(SCHEMAS_DIR)):  # xmlschema's own copies of well-known schemas
            with open(path, "rb") as bundled:
                return urllib.response.addinfourl(io.BytesIO(bundled.read()), headers, url)
        relative = posixpath.relpath(path, _ROOT)
        if self.resolve_file is None:
            self.failures[relative] = "no directory was given to read it from"
            raise urllib.error.URLError(self.failures[relative])
        try:
            data = self.resolve_file(relative)
        except (OSError, LookupError, ValueError, ContractError) as error:
            self.failures[relative] = str(error)
            raise urllib.error.URLError(str(error)) from None
        self.files[relative] = data
        return urllib.response.addinfourl(io.BytesIO(data), headers, url)
