"""AsyncAPI 2.x and 3.0: channels, messages, and operations that send or receive them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from interloom.core.contracts import (
    ChannelAddress,
    Contract,
    ContractStructureError,
    ContractWarningCode,
    ParameterIn,
    Transport,
)
from interloom.formats.contracts import import_contract

Load = Callable[[str], Contract]


def test_asyncapi_2_subscribe_is_send_and_publish_is_receive(contract: Load) -> None:
    shipments = contract("shipments.asyncapi26.yaml")

    assert [(op.id, op.match_key, op.transport) for op in shipments.operations] == [
        ("publishShipmentStatus", "send logistics.shipment.{shipmentId}.status", Transport.KAFKA),
        ("consumeShipmentCommand", "receive logistics.shipment.commands", Transport.KAFKA),
        ("send legacy.tracking", "send legacy.tracking", Transport.KAFKA),
    ]


def test_asyncapi_2_one_of_messages_and_message_ids(contract: Load) -> None:
    shipments = contract("shipments.asyncapi26.yaml")

    status = shipments.operations[0]
    assert status.messages == ("ShipmentDelivered", "ShipmentDelayed")
    booking = shipments.messages["bookShipment"]
    assert booking.name == "BookShipment"
    assert booking.payload == {"$ref": "#/components/schemas/Booking"}
    assert booking.headers is not None
    assert booking.headers["required"] == ["x-correlation-id"]
    example = booking.examples["parcel"]
    assert example.value["orderId"] == "SO-2027-000777"
    assert example.headers == {"x-correlation-id": "2b0c7a1e-5d4f-4f0a-9c62-3e8b1d7a6f45"}


def test_asyncapi_2_traits_are_merged(contract: Load) -> None:
    shipments = contract("shipments.asyncapi26.yaml")

    assert shipments.operations[0].bindings == {
        "kafka": {"key": {"type": "string"}, "bindingVersion": "0.4.0"}
    }
    delivered = shipments.messages["ShipmentDelivered"]
    assert delivered.headers == {
        "type": "object",
        "properties": {"x-event-id": {"type": "string", "format": "uuid"}},
    }


def test_asyncapi_2_channel_parameters_and_servers(contract: Load) -> None:
    shipments = contract("shipments.asyncapi26.yaml")

    channel = shipments.channels["logistics.shipment.{shipmentId}.status"]
    (parameter,) = channel.parameters
    assert (parameter.name, parameter.in_, parameter.required) == (
        "shipmentId",
        ParameterIn.CHANNEL,
        True,
    )
    assert parameter.json_schema == {"type": "string", "pattern": "^[0-9A-Z]{12}$"}
    (server,) = shipments.servers
    assert (server.url, server.protocol) == (
        "kafka-{cluster}.logistics.example.com:9093",
        "kafka-secure",
    )
    assert server.variables["cluster"].enum == ("eu1", "us1")
    assert shipments.security == ({"scram": ()},)


def test_avro_payloads_are_left_out_with_a_located_warning(contract: Load) -> None:
    shipments = contract("shipments.asyncapi26.yaml")

    warning = next(
        w for w in shipments.warnings if w.code is ContractWarningCode.UNSUPPORTED_FEATURE
    )
    assert warning.location is not None
    assert warning.location.pointer == "/channels/legacy.tracking/subscribe/message/payload"
    assert shipments.messages["send legacy.tracking.message"].payload is None


def test_asyncapi_3_operations_refer_to_channels_and_messages(contract: Load) -> None:
    telemetry = contract("telemetry.asyncapi3.yaml")

    receive = telemetry.operation("receiveTemperature")
    assert receive is not None
    assert receive.address == ChannelAddress(
        channel="truckTemperature", address="trucks/{truckId}/temperature", action="receive"
    )
    assert receive.transport is Transport.MQTT
    assert receive.messages == ("TemperatureReading",)
    reading = telemetry.messages["TemperatureReading"]
    assert reading.payload == {"$ref": "#/components/schemas/Reading"}
    assert reading.correlation_id == "$message.header#/correlationData"
    assert reading.content_type == "application/json"
    assert telemetry.schemas["Reading"].json_schema["properties"]["humidity"] == {
        "type": ["number", "null"]
    }


def test_asyncapi_3_request_reply_and_operation_traits(contract: Load) -> None:
    telemetry = contract("telemetry.asyncapi3.yaml")

    request = telemetry.operation("requestConfig")
    assert request is not None
    assert request.messages == ("configRequest",)
    assert request.reply_messages == ("ConfigReply",)
    assert request.tags == ("config",)
    assert request.description == "Correlated by the MQTT 5 correlation data."
    assert telemetry.channels["truckConfigReplies"].address is None


def test_asyncapi_3_channel_parameters_are_strings(contract: Load) -> None:
    telemetry = contract("telemetry.asyncapi3.yaml")

    (truck,) = telemetry.channels["truckConfigRequests"].parameters
    assert truck.json_schema == {
        "type": "string",
        "enum": ["NL-42", "BE-07", "DE-13"],
        "default": "NL-42",
    }
    assert telemetry.channels["truckTemperature"].servers == ("broker",)


def test_asyncapi_3_multi_format_schemas(contract: Load) -> None:
    billing = contract("billing.asyncapi3.yaml")

    issued = billing.messages["InvoiceIssued"].payload
    assert issued is not None
    assert issued["properties"]["dueOn"] == {"type": ["string", "null"], "format": "date"}
    assert billing.messages["InvoicePaidAvro"].payload is None
    assert [w.code for w in billing.warnings] == [ContractWarningCode.UNSUPPORTED_FEATURE]
    assert {op.transport for op in billing.operations} == {Transport.AMQP}


def test_asyncapi_2_0_over_websockets(contract: Load) -> None:
    alerts = contract("alerts.asyncapi20.yaml")

    assert [(op.id, op.address.action) for op in alerts.operations] == [  # type: ignore[union-attr]
        ("streamAlerts", "send"),
        ("acknowledgeAlert", "receive"),
    ]
    assert {op.transport for op in alerts.operations} == {Transport.WEBSOCKET}
    assert alerts.channels["/alerts"].messages == (
        "streamAlerts.message",
        "acknowledgeAlert.message",
    )


def test_the_retail_events_use_their_bindings(retail: Load) -> None:
    erp = retail("erp-events.asyncapi.yaml")
    wms = retail("wms-events.asyncapi.yaml")

    assert {op.transport for op in erp.operations} == {Transport.HTTP}
    assert {op.transport for op in wms.operations} == {Transport.AMQP}
    assert erp.messages["OrderCreated"].payload == {
        "$ref": "#/components/schemas/OrderCreatedPayload"
    }


def test_an_operation_with_a_wrong_action_is_a_located_error() -> None:
    data = (
        b"asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  a: {address: a}\n"
        b"operations:\n  op:\n    action: publish\n    channel: {$ref: '#/channels/a'}\n"
    )

    with pytest.raises(ContractStructureError) as caught:
        import_contract(data, "events.yaml")

    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.pointer) == (
        7,
        "/operations/op/action",
    )


def test_an_operation_channel_must_be_a_channel_of_the_document() -> None:
    data = (
        b"asyncapi: 3.0.0\ninfo: {title: t, version: '1'}\nchannels:\n  a: {address: a}\n"
        b"components:\n  channels:\n    b: {address: b}\n"
        b"operations:\n  op:\n    action: send\n    channel: {$ref: '#/components/channels/b'}\n"
    )

    with pytest.raises(ContractStructureError) as caught:
        import_contract(data, "events.yaml")

    assert caught.value.location is not None
    assert caught.value.location.pointer == "/operations/op/channel"
