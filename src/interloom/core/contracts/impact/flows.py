"""The flows a change of one interface's operation reaches, from each flow's field use.

Direction decides what matters:

- a flow whose **source** is the interface receives its request (or event message): a change
  there reaches it when a step reads the field — or when the flow passes the message on as it
  came;
- a flow whose **sink** sends to the interface writes its request: a changed or removed field
  matters when the flow writes it, a newly required one when the flow does *not*;
- a flow whose **enrich** step calls the interface reads its response: a change there reaches
  it when a later step reads the field of the answer, or passes the answer on;
- a **validate** step naming the interface checks the message against a schema of it: a
  breaking or maybe breaking change to a field may make it reject messages.

Without a trace of the flow's fields (a step the trace cannot follow, a message passed on
unchanged) the flow is reported as possibly affected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from interloom.core.contracts.impact.model import Confidence, FlowHit, How, Part
from interloom.core.flows.definition import Flow
from interloom.core.flows.field_use import FlowFieldUse, Origin, Relation, field_relation

__all__ = ["Change", "flow_hits"]

_DEPRECATIONS = frozenset(
    {
        "endpoint-deprecated",
        "endpoint-deprecated-with-sunset",
        "channel-operation-deprecated",
        "message-deprecated",
        "graphql-field-deprecated",
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    """One finding as the flow analysis needs it."""

    rule: str
    level: str
    part: Part
    field: str
    """The changed field, dotted; ``""`` when the change is not to one field."""
    requires: bool
    """The change makes the field required (a sender that omits it fails)."""

    @property
    def whole_operation(self) -> bool:
        """A change to the operation itself that its users must act on."""
        if self.part not in (Part.OPERATION, Part.CONTRACT):
            return False
        return self.level != "INFO" or self.rule in _DEPRECATIONS

    @property
    def whole_confidence(self) -> Confidence:
        """An operation's own change reaches its users; a contract-wide one may."""
        return Confidence.CERTAIN if self.part is Part.OPERATION else Confidence.POSSIBLE

    @property
    def serious(self) -> bool:
        """Breaking or maybe breaking."""
        return self.level in ("ERR", "WARN")


def _text(field: str) -> str:
    return field or "the whole message"


def _named(name: str, origin: Origin, where: str) -> str:
    """``customer.tier (tier of the answer of step 'customer')``, or just the field."""
    if origin.answer_of is None and origin.path == name:
        return _text(name)
    return f"{_text(name)} ({_text(origin.path)} of {where})"


def _match(origin: Origin, changed: str) -> Confidence | None:
    """How sure a read of ``origin`` is to touch the changed field."""
    relation = field_relation(origin.path, changed)
    if relation in (Relation.SAME, Relation.INSIDE):
        return Confidence.CERTAIN
    if relation is Relation.HOLDS:
        return Confidence.LIKELY  # the flow takes the object holding the field
    return None


class _Hits:
    """Hits of one flow, without repeats, surest first per place."""

    def __init__(self, flow: Flow, interface: str) -> None:
        self.flow = f"flow:{flow.id}"
        self.interface = interface
        self.found: dict[tuple[str | None, str | None, How], FlowHit] = {}

    def add(
        self,
        how: How,
        confidence: Confidence,
        detail: str,
        *,
        step: str | None = None,
        field: str | None = None,
    ) -> None:
        key = (step, field, how)
        known = self.found.get(key)
        if known is not None and known.confidence.rank >= confidence.rank:
            return
        self.found[key] = FlowHit(
            flow=self.flow,
            interface=self.interface,
            step=step,
            field=field,
            how=how,
            confidence=confidence,
            detail=detail,
        )

    def __iter__(self) -> Iterator[FlowHit]:
        return iter(self.found.values())


def _reads(
    hits: _Hits, use: FlowFieldUse, change: Change, answer_of: str | None, where: str
) -> bool:
    """Record the steps that read the changed field; whether any does."""
    found = False
    for read, origin in use.reads_from(answer_of):
        confidence = _match(origin, change.field)
        if confidence is None:
            continue
        found = True
        hits.add(
            How.READ,
            confidence,
            f"{_named(read.field, origin, where)} is read by step '{read.step}' of {hits.flow}",
            step=read.step,
            field=read.field,
        )
    return found


def _passed_on(
    hits: _Hits, use: FlowFieldUse, change: Change, answer_of: str | None, where: str
) -> bool:
    """Record output fields carrying the changed field with no step reading it on the way."""
    found = False
    for output, origin in use.outputs_from(answer_of):
        confidence = _match(origin, change.field)
        if confidence is None or output.step is not None:
            continue  # a step that wrote it also read it: reported as a read
        found = True
        hits.add(
            How.PASSED_THROUGH,
            Confidence.LIKELY,
            f"{_named(output.field, origin, where)} reaches the sinks of {hits.flow} unchanged",
            field=output.field,
        )
    if answer_of is None and use.passes_through and use.traced and change.field:
        found = True
        hits.add(
            How.PASSED_THROUGH,
            Confidence.LIKELY,
            f"{hits.flow} passes the message on unchanged: {change.field} reaches its sinks",
            field=change.field,
        )
    return found


def _as_source(hits: _Hits, use: FlowFieldUse | None, change: Change) -> None:
    if change.whole_operation:
        hits.add(How.RECEIVES, change.whole_confidence, f"{hits.flow} receives from the operation")
        return
    if change.part is not Part.REQUEST:
        return
    if not change.field:
        if change.serious:
            hits.add(
                How.RECEIVES,
                Confidence.POSSIBLE,
                f"{hits.flow} receives the request or message that changed",
            )
        return
    if use is None:
        hits.add(How.USES, Confidence.POSSIBLE, f"{hits.flow} receives it; no lineage")
        return
    read = _reads(hits, use, change, None, "the message received")
    passed = _passed_on(hits, use, change, None, "the message received")
    if not (read or passed or use.traced):
        hits.add(
            How.USES,
            Confidence.POSSIBLE,
            f"{hits.flow} receives it; its steps are traced only up to {use.untraced[0]}",
        )


def _writers(use: FlowFieldUse, changed: str) -> list[tuple[str, str | None, Confidence]]:
    found: list[tuple[str, str | None, Confidence]] = []
    for output in use.outputs:
        relation = field_relation(output.field, changed)
        if relation in (Relation.SAME, Relation.INSIDE):
            found.append((output.field, output.step, Confidence.CERTAIN))
        elif relation is Relation.HOLDS:
            found.append((output.field, output.step, Confidence.LIKELY))
    return found


def _as_sink(hits: _Hits, use: FlowFieldUse | None, change: Change, sink: str) -> None:
    if change.whole_operation:
        hits.add(How.SENDS, change.whole_confidence, f"sink '{sink}' of {hits.flow} sends to it")
        return
    if change.part is Part.RESPONSE:
        if not change.field and change.level == "ERR":
            hits.add(
                How.SENDS,
                Confidence.POSSIBLE,
                f"sink '{sink}' of {hits.flow} sends to it and gets the changed answer",
            )
        return
    if change.part is not Part.REQUEST:
        return
    if not change.field:
        if change.serious:
            confidence = Confidence.LIKELY if change.level == "ERR" else Confidence.POSSIBLE
            hits.add(How.SENDS, confidence, f"sink '{sink}' of {hits.flow} sends the request")
        return
    known = use is not None and use.traced and not use.passes_through
    if use is None or not known:
        hits.add(
            How.USES,
            Confidence.POSSIBLE,
            f"sink '{sink}' of {hits.flow} sends to it; which fields it writes is not known",
        )
        return
    writers = _writers(use, change.field)
    if change.requires:
        if any(confidence is Confidence.CERTAIN for *_, confidence in writers):
            return  # it already writes the field
        if writers:
            name, step, _ = writers[0]
            hits.add(
                How.NOT_WRITTEN,
                Confidence.POSSIBLE,
                f"{change.field} is now required; {hits.flow} writes {name} whole, which may "
                "not hold it",
                step=step,
                field=change.field,
            )
            return
        hits.add(
            How.NOT_WRITTEN,
            Confidence.CERTAIN,
            f"{change.field} is now required and {hits.flow} does not write it",
            step=_last_writer(use),
            field=change.field,
        )
        return
    for name, step, confidence in writers:
        by = f"step '{step}' of " if step else ""
        hits.add(
            How.WRITTEN,
            confidence,
            f"{name} is written by {by}{hits.flow} and sent by sink '{sink}'",
            step=step,
            field=name,
        )


def _last_writer(use: FlowFieldUse) -> str | None:
    steps = [output.step for output in use.outputs if output.step is not None]
    return steps[-1] if steps else None


def _as_caller(hits: _Hits, use: FlowFieldUse | None, change: Change, step: str) -> None:
    if change.whole_operation:
        hits.add(
            How.CALLS, change.whole_confidence, f"step '{step}' of {hits.flow} calls it", step=step
        )
        return
    if change.part is Part.REQUEST or not change.field:
        if change.serious and change.part in (Part.REQUEST, Part.RESPONSE):
            confidence = Confidence.LIKELY if change.level == "ERR" else Confidence.POSSIBLE
            hits.add(
                How.CALLS,
                confidence,
                f"step '{step}' of {hits.flow} calls it with the {change.part.value} that changed",
                step=step,
            )
        return
    if change.part is not Part.RESPONSE:
        return
    if use is None or step in use.opaque_answers or step not in use.answers:
        hits.add(
            How.USES,
            Confidence.POSSIBLE,
            f"step '{step}' of {hits.flow} reads its answer; which fields is not known",
            step=step,
        )
        return
    where = f"the answer of step '{step}'"
    read = _reads(hits, use, change, step, where)
    passed = _passed_on(hits, use, change, step, where)
    if not (read or passed or use.traced):
        hits.add(
            How.USES,
            Confidence.POSSIBLE,
            f"step '{step}' of {hits.flow} reads its answer; the steps are traced only up to "
            f"{use.untraced[0]}",
            step=step,
        )


def flow_hits(
    flows: Iterable[Flow],
    uses: dict[str, FlowFieldUse],
    interface: str,
    change: Change,
) -> list[FlowHit]:
    """How ``change`` of ``interface``'s operation reaches each flow using the interface."""
    hits: list[FlowHit] = []
    for flow in flows:
        use = uses.get(flow.id)
        found = _Hits(flow, interface)
        roles = 0
        if flow.source.interface == interface:
            roles += 1
            _as_source(found, use, change)
        for sink_id, sink in zip(flow.sink_ids, flow.sinks, strict=True):
            if sink.interface == interface:
                roles += 1
                _as_sink(found, use, change, sink_id)
        for step in flow.steps:
            if step.interface == interface and step.kind == "enrich":
                roles += 1
                _as_caller(found, use, change, step.id)
        checks = [s.id for s in flow.steps if s.interface == interface and s.kind == "validate"]
        if checks and change.part is Part.REQUEST and change.serious and change.field:
            roles += 1
            found.add(
                How.VALIDATES,
                Confidence.LIKELY if change.level == "ERR" else Confidence.POSSIBLE,
                f"step '{checks[0]}' of {found.flow} checks the message against a schema of "
                "the interface: it may now reject messages",
                step=checks[0],
                field=change.field,
            )
        named = [s.id for s in flow.steps if s.interface == interface and s.kind != "enrich"]
        if named and not roles and (change.whole_operation or change.serious):
            found.add(
                How.USES,
                Confidence.LIKELY if change.whole_operation else Confidence.POSSIBLE,
                f"step '{named[0]}' of {found.flow} uses the interface",
                step=named[0],
            )
        hits.extend(found)
    return hits
