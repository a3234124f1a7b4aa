"""AsyncAPI: channels, send and receive operations, and their messages.

Which way a message travels decides what a change means. The contract describes one
application: messages it *receives* are judged like requests (its senders must still be
accepted), messages it *sends* like responses (its consumers must still understand them).
A reply travels the other way from its operation.
"""

from __future__ import annotations

from interloom.core.contracts.diff.context import DiffContext, OperationRef, Places, Use
from interloom.core.contracts.diff.operations import operation_ref, report_operation_id
from interloom.core.contracts.diff.scopes import RECEIVED_MESSAGE, SENT_MESSAGE
from interloom.core.contracts.model import Channel, ChannelAddress, Message, Operation


def _channel_of(operation: Operation) -> str:
    address = operation.address
    return address.channel if isinstance(address, ChannelAddress) else ""


def _address_of(operation: Operation) -> str:
    address = operation.address
    if isinstance(address, ChannelAddress):
        return address.address or address.channel
    return ""


def _action_of(operation: Operation) -> str:
    address = operation.address
    return address.action if isinstance(address, ChannelAddress) else ""


def pair_channels(ctx: DiffContext) -> dict[str, str]:
    """Old channel id → new channel id: by id, then by address (AsyncAPI 2 ids are addresses)."""
    old, new = ctx.old.channels, ctx.new.channels
    pairs = {cid: cid for cid in old if cid in new}
    taken = set(pairs.values())
    by_address = {channel.address or cid: cid for cid, channel in new.items() if cid not in taken}
    for cid, channel in old.items():
        if cid in pairs:
            continue
        match = by_address.pop(channel.address or cid, None)
        if match is not None:
            pairs[cid] = match
    return pairs


def compare_channels(ctx: DiffContext, old_ops: list[Operation], new_ops: list[Operation]) -> None:
    """Channels and channel operations of the two versions, paired, compared, reported."""
    channel_pairs = pair_channels(ctx)
    moved = {
        old_id: new_id
        for old_id, new_id in channel_pairs.items()
        if (ctx.old.channels[old_id].address or old_id)
        != (ctx.new.channels[new_id].address or new_id)
    }
    new_by_key: dict[tuple[str, str], list[Operation]] = {}
    for operation in new_ops:
        new_by_key.setdefault((_action_of(operation), _channel_of(operation)), []).append(operation)
    paired_new: set[str] = set()
    for operation in old_ops:
        channel = _channel_of(operation)
        mapped = channel_pairs.get(channel)
        candidates = new_by_key.get((_action_of(operation), mapped or ""), [])
        match = next((op for op in candidates if op.id == operation.id), None)
        match = match or next((op for op in candidates if op.id not in paired_new), None)
        if mapped is None:
            _report_channel_removed(ctx, ctx.old.channels.get(channel), operation)
            continue
        if match is None:
            ctx.add(
                "channel-operation-removed",
                f"the application no longer {_verb(operation)} on the channel "
                f"'{_address_of(operation)}'",
                operation_ref(operation),
                old=operation.location,
                new=ctx.new.channels[mapped].location,
            )
            continue
        paired_new.add(match.id)
        ref = operation_ref(match)
        if channel in moved:
            before, after = ctx.old.channels[channel], ctx.new.channels[mapped]
            ctx.add(
                "channel-address-changed",
                f"the address of the channel changed from '{before.address or channel}' "
                f"to '{after.address or mapped}'",
                ref,
                old=before.location,
                new=after.location,
            )
        _compare_operation(ctx, operation, match, ref)
    operated = {_channel_of(op) for op in old_ops}
    for channel_id, gone in ctx.old.channels.items():
        if channel_id not in channel_pairs and channel_id not in operated:
            _report_channel_removed(ctx, gone, None)
    paired = set(channel_pairs.values())
    for channel_id, added in ctx.new.channels.items():
        if channel_id not in paired:
            ctx.add(
                "channel-added",
                f"the channel '{added.address or channel_id}' was added",
                None,
                new=added.location,
            )
    for operation in new_ops:
        if operation.id not in paired_new:
            ctx.add(
                "channel-operation-added",
                f"the application now {_verb(operation)} on the channel '{_address_of(operation)}'",
                operation_ref(operation),
                new=operation.location,
            )


def _verb(operation: Operation) -> str:
    return "sends" if _action_of(operation) == "send" else "receives"


def _report_channel_removed(
    ctx: DiffContext, channel: Channel | None, operation: Operation | None
) -> None:
    name = (
        (channel.address or channel.id) if channel else _address_of(operation) if operation else ""
    )
    ctx.add(
        "channel-removed",
        f"the channel '{name}' was removed"
        + (f": the application no longer {_verb(operation)} on it" if operation else ""),
        operation_ref(operation) if operation else None,
        old=operation.location if operation else channel.location if channel else None,
    )


def _compare_operation(ctx: DiffContext, old: Operation, new: Operation, ref: OperationRef) -> None:
    report_operation_id(ctx, old, new, ref)
    if new.deprecated and not old.deprecated:
        ctx.add(
            "channel-operation-deprecated",
            "the operation was deprecated",
            ref,
            old=old.location,
            new=new.location,
        )
    sends = _action_of(new) == "send"
    _compare_messages(ctx, old.messages, new.messages, ref, sent=sends, old_op=old, new_op=new)
    _compare_messages(
        ctx, old.reply_messages, new.reply_messages, ref, sent=not sends, old_op=old, new_op=new
    )


def _message_key(message: Message) -> str:
    return message.name or message.id


def _compare_messages(
    ctx: DiffContext,
    old_ids: tuple[str, ...],
    new_ids: tuple[str, ...],
    ref: OperationRef,
    *,
    sent: bool,
    old_op: Operation,
    new_op: Operation,
) -> None:
    old_messages = [ctx.old.messages[i] for i in old_ids]
    new_messages = [ctx.new.messages[i] for i in new_ids]
    pairs: list[tuple[Message, Message]] = []
    if len(old_messages) == 1 and len(new_messages) == 1:
        pairs.append((old_messages[0], new_messages[0]))
        old_messages, new_messages = [], []
    new_by_key = {_message_key(m): m for m in new_messages}
    for message in old_messages:
        match = new_by_key.pop(_message_key(message), None)
        if match is None:
            ctx.add(
                "sent-message-removed" if sent else "received-message-removed",
                f"the operation no longer {'sends' if sent else 'accepts'} the message "
                f"'{_message_key(message)}'",
                ref,
                old=message.location,
                new=new_op.location,
            )
        else:
            pairs.append((message, match))
    for message in new_by_key.values():
        ctx.add(
            "sent-message-added" if sent else "received-message-added",
            f"the operation now {'sends' if sent else 'accepts'} the message "
            f"'{_message_key(message)}'",
            ref,
            old=old_op.location,
            new=message.location,
        )
    for before, after in pairs:
        _compare_message(ctx, before, after, ref, sent=sent)


def _compare_message(
    ctx: DiffContext, old: Message, new: Message, ref: OperationRef, *, sent: bool
) -> None:
    name = _message_key(new)
    places = Places(old=old.location, new=new.location)
    if (
        (old.content_type or "") != (new.content_type or "")
        and old.content_type
        and new.content_type
    ):
        ctx.add(
            "message-content-type-changed",
            f"the content type of the message '{name}' changed from {old.content_type} "
            f"to {new.content_type}",
            ref,
            **places,
        )
    if new.deprecated and not old.deprecated:
        ctx.add("message-deprecated", f"the message '{name}' was deprecated", ref, **places)
    scope = SENT_MESSAGE if sent else RECEIVED_MESSAGE
    direction = "sent" if sent else "received"
    ctx.compare_schemas(
        Use(scope, f"the {direction} message '{name}'", ref),
        old.payload,
        new.payload,
        ctx.message_spot(0, old, "payload"),
        ctx.message_spot(1, new, "payload"),
    )
    if old.headers is not None or new.headers is not None:
        ctx.compare_schemas(
            Use(scope, f"the headers of the {direction} message '{name}'", ref, noun="header"),
            old.headers,
            new.headers,
            ctx.message_spot(0, old, "headers"),
            ctx.message_spot(1, new, "headers"),
        )


__all__ = ["compare_channels", "pair_channels"]
