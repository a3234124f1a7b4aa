"""Benchmark of the W1 mapping (order → downstream order): µs per message, three ways.

    .venv/bin/python benchmarks/mapping_bench.py [--orders order.json ...] [--json FILE]

(a) jsonata-python's interpreter on the W1 mapping written in JSONata,
(b) the same expression compiled by ``interloom.core.flows.expressions``, and its
    field-by-field form (``compile_mapping``),
(c) the hand-written Python of the benchmark's ``mapping.md``, the floor to compare with.

Each way is checked against the expected downstream body first, then timed on the same
parsed order (parsing and compiling are not timed): the best of ``--repeat`` short runs of
about a millisecond each. Short runs matter on a shared machine: a long run is almost always
preempted somewhere, which penalises the slower ways more than the fast ones.

JMESPath is not measured: it has no arithmetic, so it cannot express ``lineTotal`` or
``total`` (see docs/decisions/0009-mapping-language.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonata

from interloom.core.flows.expressions import compile_expression, compile_mapping

RUN_SECONDS = 0.001
WORKLOAD = Path(__file__).resolve().parents[1] / "tests" / "data" / "w1"
W1_JSONATA = (WORKLOAD / "mapping.jsonata").read_text("utf-8")
W1_FIELDS = json.loads((WORKLOAD / "mapping.fields.json").read_text("utf-8"))


def cents(price: float) -> int:
    return round(price * 100)


def map_order(o: dict[str, Any]) -> dict[str, Any]:
    """The reference mapping of ``mapping.md``, as written there."""
    address, customer = o["shippingAddress"], o["customer"]
    street = address["line1"] + (", " + address["line2"] if address.get("line2") else "")
    return {
        "orderRef": o["orderId"],
        "placedAt": o["createdAt"],
        "source": o.get("channel", "unknown"),
        "buyer": {
            "customerNo": customer["id"],
            "fullName": customer["name"],
            "email": customer["email"],
        },
        "shipTo": {
            "street": street,
            "city": address["city"],
            "zip": address["postalCode"],
            "countryCode": address["country"].upper(),
        },
        "items": [
            {
                "articleNo": line["sku"],
                "quantity": line["qty"],
                "unitPrice": line["price"],
                "lineTotal": line["qty"] * cents(line["price"]) / 100,
            }
            for line in o["lines"]
        ],
        "itemCount": sum(line["qty"] for line in o["lines"]),
        "total": sum(line["qty"] * cents(line["price"]) for line in o["lines"]) / 100,
        "currency": o["currency"],
    }


def ways() -> dict[str, Callable[[Any], Any]]:
    interpreter = jsonata.Jsonata(W1_JSONATA)
    compiled = compile_expression(W1_JSONATA)
    field_by_field = compile_mapping(W1_FIELDS)
    assert compiled.compiled_fully
    assert field_by_field.compiled_fully
    return {
        "jsonata-python interpreter": interpreter.evaluate,
        "compiled JSONata (expression)": compiled.evaluate,
        "compiled JSONata (field by field)": field_by_field.evaluate,
        "hand-written Python": map_order,
    }


def measure(function: Callable[[Any], Any], order: Any, repeat: int) -> float:
    """Best µs per call over ``repeat`` runs of about a millisecond."""
    once = min(timeit.repeat(lambda: function(order), number=1, repeat=5))
    number = max(1, round(RUN_SECONDS / once))
    runs = timeit.repeat(lambda: function(order), number=number, repeat=repeat)
    return min(runs) / number * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", nargs="+", default=["order.json", "order-minimal.json"])
    parser.add_argument("--repeat", type=int, default=300, help="runs; the best counts")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    functions = ways()
    rows = []
    for name in args.orders:
        order = json.loads((WORKLOAD / name).read_text("utf-8"))
        expected = json.loads((WORKLOAD / name.replace(".json", ".mapped.json")).read_text())
        for way, function in functions.items():
            if function(order) != expected:
                print(f"{way} maps {name} wrongly", file=sys.stderr)
                return 1
        timings = {
            way: measure(function, order, args.repeat) for way, function in functions.items()
        }
        floor = timings["hand-written Python"]
        for way, micros in timings.items():
            rows.append(
                {"order": name, "way": way, "us_per_message": round(micros, 2),
                 "x_hand_written": round(micros / floor, 2)}
            )  # fmt: skip

    print(f"W1 mapping, µs per message (best of {args.repeat}), Python {platform.python_version()}")
    print(f"{'order':<20} {'way':<36} {'µs':>9} {'× hand':>8}")
    for row in rows:
        print(
            f"{row['order']:<20} {row['way']:<36} {row['us_per_message']:>9.2f}"
            f" {row['x_hand_written']:>8.2f}"
        )
    if args.json:
        report = {"benchmark": "w1-mapping", "python": platform.python_version(), "rows": rows}
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
