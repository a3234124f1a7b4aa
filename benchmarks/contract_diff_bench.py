"""Benchmark of the contract diff on two large, realistic OpenAPI 3.1 documents.

    .venv/bin/python benchmarks/contract_diff_bench.py [--paths 450 --schemas 360] [--json FILE]

The documents: a few hundred paths with two or three operations each (parameters, request
bodies, several responses with headers), a few hundred component schemas that refer to each
other (nested arrays, enums, nullable fields, recursive links), about 2 MB of YAML each. The new
version carries a few hundred changes of every kind: properties removed and added, types and
formats changed, enum values removed, bounds moved, parameters added, operations removed.
Generation is not timed; importing each file, diffing the two contracts (best of N runs) and
locating the findings' lines are timed separately. The diff runs on one thread, so its verdict
uses CPU time: on a shared machine other tenants stretch wall time (both are printed).
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from interloom.core.contracts.diff import diff_contracts
from interloom.formats.contracts import import_contract
from interloom.formats.contracts.source_lines import SourceLines

TARGET_SECONDS = 1.0
WORDS = (
    "order",
    "customer",
    "invoice",
    "shipment",
    "parcel",
    "payment",
    "refund",
    "stock",
    "item",
    "price",
    "tax",
    "address",
    "contact",
    "account",
    "ledger",
    "batch",
    "carrier",
    "route",
    "slot",
    "return",
    "claim",
    "note",
    "label",
    "region",
    "channel",
)
TYPES = ("string", "integer", "number", "boolean")
FORMATS = {
    "string": ("date", "date-time", "uuid", "email", None),
    "integer": ("int32", "int64", None),
}


def _name(rng: random.Random, parts: int = 2) -> str:
    words = [rng.choice(WORDS) for _ in range(parts)]
    return words[0] + "".join(w.title() for w in words[1:])


def _scalar(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(TYPES)
    schema: dict[str, Any] = {"type": kind, "description": f"The {_name(rng)} of the record."}
    fmt = rng.choice(FORMATS.get(kind, (None,)))
    if fmt:
        schema["format"] = fmt
    if kind == "string" and rng.random() < 0.5:
        schema["maxLength"] = rng.choice((20, 40, 80, 255))
    if kind == "string" and rng.random() < 0.2:
        schema["enum"] = sorted({rng.choice(WORDS) for _ in range(5)})
    if kind in ("integer", "number") and rng.random() < 0.5:
        schema["minimum"] = 0
        schema["maximum"] = rng.choice((99, 999, 100000))
    if rng.random() < 0.15:
        schema["type"] = [kind, "null"]
    return schema


def _schema(rng: random.Random, targets: list[str], index: int) -> dict[str, Any]:
    """An object of 8-16 properties; some refer to ``targets`` (its aggregate and shared types)."""
    properties: dict[str, Any] = {}
    for _ in range(rng.randint(8, 16)):
        roll = rng.random()
        if roll < 0.2 and targets:
            target = {"$ref": f"#/components/schemas/{rng.choice(targets)}"}
            properties[_name(rng)] = (
                {"type": "array", "items": target, "maxItems": 50} if rng.random() < 0.5 else target
            )
        elif roll < 0.3:
            properties[_name(rng)] = {
                "type": "object",
                "properties": {_name(rng, 1): _scalar(rng) for _ in range(3)},
            }
        else:
            properties[_name(rng)] = _scalar(rng)
    required = sorted(rng.sample(sorted(properties), k=min(len(properties), rng.randint(2, 6))))
    return {
        "type": "object",
        "description": f"Schema {index}: a {_name(rng)} as the system keeps it.",
        "required": required,
        "properties": properties,
    }


def _operation(rng: random.Random, path: str, method: str, names: list[str]) -> dict[str, Any]:
    body = {"$ref": f"#/components/schemas/{rng.choice(names)}"}
    operation: dict[str, Any] = {
        "operationId": f"{method}{''.join(p.title() for p in path.strip('/').split('/'))}",
        "summary": f"{method.upper()} {path}",
        "parameters": [
            {
                "name": _name(rng),
                "in": "query",
                "required": rng.random() < 0.2,
                "schema": _scalar(rng),
            }
            for _ in range(rng.randint(0, 4))
        ],
        "responses": {
            "200": {
                "description": "Done.",
                "headers": {"X-Request-Id": {"required": True, "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": body}},
            },
            "400": {
                "description": "Bad request.",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            },
            "404": {"description": "Not found."},
        },
    }
    if method in ("post", "put", "patch"):
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{rng.choice(names)}"}
                }
            },
        }
    return operation


def generate(paths: int, schemas: int, seed: int = 11) -> dict[str, Any]:
    """An OpenAPI 3.1 document of ``paths`` paths and ``schemas`` component schemas."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    names = [f"{_name(rng).title()}{i}" for i in range(schemas)]
    components: dict[str, Any] = {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
            },
        }
    }
    # Like a real API: aggregates of about ten schemas (an order, its lines, its parcels…)
    # that refer to each other, recursive links, and a few types shared by everything.
    shared = names[:6]
    for index, name in enumerate(names):
        if index < len(shared):
            components[name] = {
                "type": "object",
                "properties": {_name(rng): _scalar(rng) for _ in range(4)},
            }
            continue
        cluster = names[max(len(shared), index - index % 10) : index - index % 10 + 10]
        components[name] = _schema(rng, [*cluster, *shared], index)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Retail back office", "version": "1.0.0"},
        "paths": {},
        "components": {"schemas": components},
    }
    for index in range(paths):
        path = f"/{rng.choice(WORDS)}s/{index}/{rng.choice(WORDS)}s"
        methods = rng.sample(["get", "post", "put", "delete", "patch"], k=rng.randint(2, 3))
        document["paths"][path] = {m: _operation(rng, path, m, names) for m in methods}
    return document


def mutate(document: dict[str, Any], changes: int, seed: int = 12) -> tuple[dict[str, Any], int]:
    """A new version with ``changes`` edits of every kind; returns it and the edits made."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    new = copy.deepcopy(document)
    schemas = new["components"]["schemas"]
    names = [n for n in schemas if n != "Problem"]
    made = 0
    while made < changes:
        roll = rng.random()
        schema = schemas[rng.choice(names)]
        properties = schema["properties"]
        if roll < 0.2 and properties:
            name = rng.choice(sorted(properties))
            del properties[name]
            schema["required"] = [r for r in schema.get("required", []) if r != name]
        elif roll < 0.35:
            name = f"added{made}"
            properties[name] = {"type": "string"}
            schema.setdefault("required", []).append(name)
        elif roll < 0.5:
            scalar = [p for p in properties.values() if p.get("type") in TYPES]
            if not scalar:
                continue
            target = rng.choice(scalar)
            target["type"] = "string" if target["type"] != "string" else "integer"
            target.pop("format", None)
        elif roll < 0.6:
            with_enum = [p for p in properties.values() if len(p.get("enum", ())) > 1]
            if not with_enum:
                continue
            rng.choice(with_enum)["enum"].pop()
        elif roll < 0.75:
            bounded = [p for p in properties.values() if "maxLength" in p or "maximum" in p]
            if not bounded:
                continue
            target = rng.choice(bounded)
            key = "maxLength" if "maxLength" in target else "maximum"
            target[key] = target[key] // 2 if rng.random() < 0.5 else target[key] * 2
        elif roll < 0.85:
            path = rng.choice(sorted(new["paths"]))
            operation = next(iter(new["paths"][path].values()))
            operation["parameters"].append(
                {
                    "name": f"filter{made}",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string"},
                }
            )
        elif roll < 0.93:
            path = rng.choice(sorted(new["paths"]))
            item = new["paths"][path]
            if len(item) < 2:
                continue
            del item[rng.choice(sorted(item))]
        else:
            path = rng.choice(sorted(new["paths"]))
            operation = next(iter(new["paths"][path].values()))
            operation["responses"]["200"]["headers"].pop("X-Request-Id", None)
        made += 1
    new["info"]["version"] = "2.0.0"
    return new, made


def _yaml(document: dict[str, Any]) -> bytes:
    yaml = YAML(typ="safe", pure=False)
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue().encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=450)
    parser.add_argument("--schemas", type=int, default=360)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", choices=("yaml", "json"), default="yaml")
    parser.add_argument("--json", type=Path, help="also write the result as JSON here")
    parser.add_argument(
        "--profile", type=Path, help="write a pyinstrument HTML profile of the diff"
    )
    args = parser.parse_args(argv)

    old_document = generate(args.paths, args.schemas)
    new_document, changes = mutate(old_document, args.changes)
    encode = _yaml if args.format == "yaml" else (lambda d: json.dumps(d, indent=1).encode())
    old_bytes, new_bytes = encode(old_document), encode(new_document)
    suffix = f".{args.format}"

    began = time.process_time()
    old = import_contract(old_bytes, f"old{suffix}")
    imported_old = time.process_time() - began
    began = time.process_time()
    new = import_contract(new_bytes, f"new{suffix}")
    imported_new = time.process_time() - began

    result = diff_contracts(old, new)  # warm-up
    times, cpus = [], []
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = diff_contracts(old, new)
        times.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        with profiler:
            diff_contracts(old, new)
        args.profile.write_text(profiler.output_html(), "utf-8")

    began = time.process_time()
    files = {f"old{suffix}": old_bytes, f"new{suffix}": new_bytes}
    lines = SourceLines(files.get)
    for finding in result.findings:
        for location in (finding.old, finding.new):
            if location is not None:
                lines.locate(location)
    located = time.process_time() - began

    best, median, cpu = min(times), statistics.median(times), min(cpus)
    counts = result.counts()
    verdict = "ok" if cpu < TARGET_SECONDS else "OVER TARGET"
    size = (len(old_bytes) + len(new_bytes)) / 2 / 1e6
    print(
        f"contract_diff: 2 × {size:.1f} MB {args.format} ({len(old.operations)} operations, "
        f"{len(old.schemas)} schemas), {changes} changes -> {len(result.findings)} findings "
        f"({counts['ERR']} ERR, {counts['WARN']} WARN, {counts['INFO']} INFO): diff cpu best "
        f"{cpu:.3f} s (target < {TARGET_SECONDS:.0f} s: {verdict}), wall best {best:.3f} s, "
        f"median {median:.3f} s of {args.runs}; cpu import {imported_old:.2f} s + "
        f"{imported_new:.2f} s, locating lines {located:.2f} s"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "benchmark": "contract_diff",
                    "format": args.format,
                    "document_mb": round(size, 2),
                    "operations": len(old.operations),
                    "schemas": len(old.schemas),
                    "changes": changes,
                    "findings": len(result.findings),
                    "counts": counts,
                    "runs": args.runs,
                    "diff_best_s": round(best, 4),
                    "diff_median_s": round(median, 4),
                    "diff_times_s": [round(t, 4) for t in times],
                    "diff_cpu_best_s": round(min(cpus), 4),
                    "import_old_cpu_s": round(imported_old, 3),
                    "import_new_cpu_s": round(imported_new, 3),
                    "locate_cpu_s": round(located, 3),
                    "target_s": TARGET_SECONDS,
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if cpu < TARGET_SECONDS else 1


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
