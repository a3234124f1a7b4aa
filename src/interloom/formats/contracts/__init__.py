"""Contracts of every format to the canonical model, and the canonical model back out.

``import_contract(data, file, resolve_file=…)`` recognises the format and returns a
:class:`~interloom.core.contracts.Contract`; ``export_openapi`` writes it as OpenAPI 3.1 and
``export_json_schema`` writes its schema registry as one JSON Schema 2020-12 document.
"""

from interloom.formats.contracts.detect import import_contract
from interloom.formats.contracts.json_schema_export import export_json_schema
from interloom.formats.contracts.openapi_export import export_openapi
from interloom.formats.contracts.references import ResolveFile

__all__ = ["ResolveFile", "export_json_schema", "export_openapi", "import_contract"]
