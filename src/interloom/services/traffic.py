"""Contracts from recorded traffic, and the drift between traffic and a contract.

Traffic files are HAR 1.2 (``.har``) or Interloom recordings (``.jsonl``, one exchange per
line, streamed); other names are recognised by their content. ``advance(n)`` is called as the
bytes of the files are consumed, so a caller can show progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interloom.core.contracts.drift import DriftDetector, DriftKind, DriftReport
from interloom.core.contracts.inference import ContractInference, Inference
from interloom.core.contracts.traffic import Exchange
from interloom.core.errors import Location, NotFoundError
from interloom.formats.contracts.openapi_export import export_openapi
from interloom.formats.traffic import RECORDING_EXTENSIONS, iter_traffic
from interloom.formats.traffic.recording import iter_recording, looks_like_recording
from interloom.formats.yaml_writer import dump_yaml
from interloom.services.contracts import read_contract

Advance = Callable[[int], None]


def _ignore(_: int) -> None:
    return None


def traffic_size(paths: Sequence[Path]) -> int:
    """The total size in bytes of the traffic files (each must exist)."""
    total = 0
    for path in paths:
        if not path.is_file():
            raise NotFoundError(
                f"no traffic file {path}",
                location=Location(file=str(path)),
                hint="give HAR files (.har) or Interloom recordings (.jsonl)",
            )
        total += path.stat().st_size
    return total


def _stream_lines(path: Path, advance: Advance) -> Iterator[bytes]:
    with path.open("rb") as stream:
        for line in stream:
            advance(len(line))
            yield line


def iter_exchanges(paths: Sequence[Path], advance: Advance | None = None) -> Iterator[Exchange]:
    """Every exchange of the traffic files, in order; recordings are streamed line by line."""
    tick = advance or _ignore
    traffic_size(paths)
    for path in paths:
        with path.open("rb") as stream:
            head = stream.read(64 * 1024)
        if path.suffix.lower() in RECORDING_EXTENSIONS or (
            path.suffix.lower() != ".har" and looks_like_recording(head)
        ):
            yield from iter_recording(_stream_lines(path, tick), str(path))
            continue
        data = path.read_bytes()
        exchanges = list(iter_traffic(data, str(path)))
        if not exchanges:
            tick(len(data))
            continue
        share, rest = divmod(len(data), len(exchanges))
        for index, exchange in enumerate(exchanges):
            tick(share + (rest if index == 0 else 0))
            yield exchange


@dataclass(frozen=True, slots=True)
class InferredContract:
    """A draft contract inferred from traffic, as data and as OpenAPI 3.1 YAML."""

    inference: Inference
    document: dict[str, Any]
    yaml: str
    output_file: Path | None

    def summary(self, *, with_document: bool = False) -> dict[str, Any]:
        """What was inferred, as ``contracts infer --output json`` prints it."""
        data: dict[str, Any] = {
            "exchanges": self.inference.exchanges,
            "skipped": self.inference.skipped,
            "output_file": str(self.output_file) if self.output_file else None,
            "paths": len(self.inference.contract.paths),
            "operations": [
                {
                    "id": op.id,
                    "method": op.method,
                    "path": op.path,
                    "calls": op.calls,
                    "statuses": list(op.statuses),
                }
                for op in self.inference.operations
            ],
        }
        if with_document:
            data["openapi"] = self.document
        return data


def infer_contract_from_traffic(
    paths: Sequence[Path],
    *,
    title: str | None = None,
    templates: Iterable[str] = (),
    base_path: str | None = None,
    min_variants: int = 3,
    examples: bool = False,
    output_file: Path | None = None,
    advance: Advance | None = None,
) -> InferredContract:
    """Infer a draft OpenAPI 3.1 contract from traffic files; write it to ``output_file``."""
    inference = ContractInference(
        templates=templates, base_path=base_path, min_variants=min_variants, examples=examples
    )
    for exchange in iter_exchanges(paths, advance):
        inference.add(exchange)
    file = str(output_file) if output_file else "inferred.openapi.yaml"
    result = inference.build(title=title, file=file)
    document = export_openapi(result.contract)
    text = dump_yaml(document)
    if output_file is not None:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text(text, "utf-8")
    return InferredContract(result, document, text, output_file)


def drift_from_traffic(
    contract_path: Path,
    paths: Sequence[Path],
    *,
    root: Path | None = None,
    ignore: Iterable[DriftKind] = (),
    advance: Advance | None = None,
) -> DriftReport:
    """Compare the traffic files with the contract at ``contract_path``."""
    traffic_size(paths)
    detector = DriftDetector(read_contract(contract_path, root=root))
    for exchange in iter_exchanges(paths, advance):
        detector.add(exchange)
    return detector.report().without(ignore)


__all__ = [
    "InferredContract",
    "drift_from_traffic",
    "infer_contract_from_traffic",
    "iter_exchanges",
    "traffic_size",
]
