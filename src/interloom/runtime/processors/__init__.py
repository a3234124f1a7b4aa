"""Processors: the steps of a flow, each compiled once from its config.

The registry maps a step ``kind`` to its :class:`ProcessorSpec`: the pydantic model of its
config, the function that compiles it, and its family (one module each):

==============================  =============================================================
``validate``, ``filter``        ``checks``: a JSON Schema; a predicate
``map``, ``set``, ``remove``    ``transform``: build a new message; edit fields
``route``                       ``routing``: which sinks a message goes to
``split``                       ``splitting``: one message per item of an array
``aggregate``                   ``aggregation``: groups by key, emitted as one message
``enrich``                      ``enrichment``: an HTTP call merged into the message
``dedupe``                      ``dedupe``: repeats of a key within a window go no further
``xml-to-json``, ``json-to-xml``  ``xml_json``
``csv-parse``, ``csv-emit``     ``csv_rows``
``cleanse``                     ``cleansing``: trim, dates, phones, countries, case
==============================  =============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from interloom.core.suggestions import did_you_mean
from interloom.runtime.processors.aggregation import AggregateConfig, Aggregation, build_aggregate
from interloom.runtime.processors.base import (
    DROP,
    HELD,
    INTERFACE_FIELD,
    BuildContext,
    FieldPath,
    MessageRejectedError,
    Mode,
    Process,
    Processor,
    Routed,
    Split,
    StepConfigError,
    StepContext,
    StepFailedError,
    StepResources,
    _Config,
    format_field,
    parse_config,
)
from interloom.runtime.processors.checks import (
    FilterConfig,
    ValidateConfig,
    build_filter,
    build_validate,
)
from interloom.runtime.processors.cleansing import CleanseConfig, build_cleanse
from interloom.runtime.processors.csv_rows import (
    CsvEmitConfig,
    CsvParseConfig,
    build_csv_emit,
    build_csv_parse,
)
from interloom.runtime.processors.dedupe import DedupeConfig, build_dedupe
from interloom.runtime.processors.enrichment import EnrichConfig, build_enrich
from interloom.runtime.processors.routing import RouteConfig, build_route
from interloom.runtime.processors.splitting import SplitConfig, build_split
from interloom.runtime.processors.transform import (
    MapConfig,
    RemoveConfig,
    SetConfig,
    build_map,
    build_remove,
    build_set,
)
from interloom.runtime.processors.xml_json import (
    JsonToXmlConfig,
    XmlToJsonConfig,
    build_json_to_xml,
    build_xml_to_json,
)

__all__ = [
    "DROP",
    "HELD",
    "INTERFACE_FIELD",
    "PROCESSORS",
    "Aggregation",
    "BuildContext",
    "MessageRejectedError",
    "Mode",
    "Process",
    "Processor",
    "ProcessorSpec",
    "Routed",
    "Split",
    "StepConfigError",
    "StepContext",
    "StepFailedError",
    "StepResources",
    "build_processor",
    "config_errors",
    "format_field",
    "parse_config",
    "unknown_kind",
]


@dataclass(frozen=True, slots=True)
class ProcessorSpec:
    """A processor kind: its config model, how to compile it, and what it is for."""

    kind: str
    config: type[_Config]
    build: Callable[[Any, BuildContext], Processor]
    family: str

    @property
    def description(self) -> str:
        """The first line of the config model's docstring."""
        return (self.config.__doc__ or "").strip().splitlines()[0]


PROCESSORS: dict[str, ProcessorSpec] = {
    spec.kind: spec
    for spec in (
        ProcessorSpec("validate", ValidateConfig, build_validate, "checks"),
        ProcessorSpec("filter", FilterConfig, build_filter, "checks"),
        ProcessorSpec("map", MapConfig, build_map, "transform"),
        ProcessorSpec("set", SetConfig, build_set, "transform"),
        ProcessorSpec("remove", RemoveConfig, build_remove, "transform"),
        ProcessorSpec("route", RouteConfig, build_route, "routing"),
        ProcessorSpec("split", SplitConfig, build_split, "splitting"),
        ProcessorSpec("aggregate", AggregateConfig, build_aggregate, "aggregation"),
        ProcessorSpec("enrich", EnrichConfig, build_enrich, "enrichment"),
        ProcessorSpec("dedupe", DedupeConfig, build_dedupe, "dedupe"),
        ProcessorSpec("xml-to-json", XmlToJsonConfig, build_xml_to_json, "formats"),
        ProcessorSpec("json-to-xml", JsonToXmlConfig, build_json_to_xml, "formats"),
        ProcessorSpec("csv-parse", CsvParseConfig, build_csv_parse, "formats"),
        ProcessorSpec("csv-emit", CsvEmitConfig, build_csv_emit, "formats"),
        ProcessorSpec("cleanse", CleanseConfig, build_cleanse, "cleansing"),
    )
}


def unknown_kind(kind: str) -> StepConfigError:
    """The error for a step kind no processor has, with the closest kind as a hint."""
    return StepConfigError(
        f"no processor '{kind}'",
        hint=did_you_mean(kind, PROCESSORS) or f"available: {', '.join(sorted(PROCESSORS))}",
    )


def _spec(kind: str) -> ProcessorSpec:
    spec = PROCESSORS.get(kind)
    if spec is None:
        raise unknown_kind(kind)
    return spec


def config_errors(kind: str, config: dict[str, Any]) -> list[tuple[FieldPath, str, str | None]]:
    """Every field error of a step's config, with a hint (none when it is valid)."""
    model = _spec(kind).config
    try:
        model.model_validate(config)
    except ValidationError as error:
        return [
            (tuple(e["loc"]), str(e["msg"]).removeprefix("Value error, "), _hint(model, e))
            for e in error.errors()
        ]
    return []


def _hint(model: type[BaseModel], error: Any) -> str | None:
    """For an unknown key, the closest known one (in nested models too)."""
    if error["type"] != "extra_forbidden":
        return None
    owner: Any = model
    for part in error["loc"][:-1]:
        owner = _field_model(owner, part)
        if owner is None:
            return None
    names = [field.alias or name for name, field in owner.model_fields.items()]
    return did_you_mean(str(error["loc"][-1]), names) or f"known fields: {', '.join(names)}"


def _field_model(owner: Any, part: str | int) -> Any:
    """The model one step down a location: a field's model, or an item's (for an index)."""
    if isinstance(part, int):
        return owner  # the index of a list: the list's item type was taken with its field
    if not (isinstance(owner, type) and issubclass(owner, BaseModel)):
        return None
    field = owner.model_fields.get(part) or next(
        (f for f in owner.model_fields.values() if f.alias == part), None
    )
    if field is None:
        return None
    pending = [field.annotation]
    while pending:  # the first model inside Optional[...], list[...], dict[..., ...]
        candidate = pending.pop(0)
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        pending.extend(get_args(candidate))
    return None


def build_processor(kind: str, config: dict[str, Any], root: Path | BuildContext) -> Processor:
    """Compile one step; :class:`StepConfigError` names the config field at fault."""
    spec = _spec(kind)
    context = root if isinstance(root, BuildContext) else BuildContext(root=root)
    return spec.build(parse_config(spec.config, config, kind), context)
