"""MS Project XML (MSPDI): import a file as a plan, export a plan, check a file's dates.

- :func:`import_mspdi`: bytes to a :class:`MspdiImport` (plan, baselines, warnings);
- :func:`export_mspdi`: a plan (with its baselines) to bytes MS Project opens;
- :func:`check_mspdi`: schedule a file with Interloom's engine and list every task whose
  start, finish or early dates differ from those the file holds.

Reading is safe against XXE and entity expansion; every fault is an ``E-MSPDI-…`` error with
the line and element path. What an import tolerates is listed as ``W-MSPDI-…`` warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from interloom.core.delivery.plan import Plan
from interloom.core.delivery.plan_schedule import Baseline, schedule_plan
from interloom.formats.plan.errors import InterchangeWarning
from interloom.formats.plan.mspdi_export import export_mspdi_project
from interloom.formats.plan.mspdi_import import MspdiImport, import_mspdi_project
from interloom.formats.plan.mspdi_reader import read_mspdi
from interloom.formats.plan.mspdi_writer import write_mspdi

__all__ = [
    "CheckReport",
    "Mismatch",
    "MspdiImport",
    "check_mspdi",
    "export_mspdi",
    "import_mspdi",
]

CHECKED_FIELDS = ("Start", "Finish", "EarlyStart", "EarlyFinish")
"""The dates ``check`` compares; the early ones only where the file has them."""


def import_mspdi(data: bytes, file: str) -> MspdiImport:
    """Read an MSPDI document as a plan with its baselines and the warnings of the import."""
    return import_mspdi_project(read_mspdi(data, file))


def export_mspdi(plan: Plan, baselines: Sequence[Baseline] = ()) -> bytes:
    """The plan as an MSPDI document, with its computed dates and up to 11 baselines."""
    return write_mspdi(export_mspdi_project(plan, schedule_plan(plan), baselines))


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A date of a task that the file and Interloom's schedule do not agree on."""

    uid: int
    name: str
    field: str
    file: str
    ours: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    """How Interloom's schedule of an MSPDI file compares with the dates the file holds."""

    tasks: int
    mismatches: tuple[Mismatch, ...]
    warnings: tuple[InterchangeWarning, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """``{"tasks": N, "mismatches": [{"uid", "name", "field", "file", "ours"}, …]}``."""
        return {
            "tasks": self.tasks,
            "mismatches": [
                {"uid": m.uid, "name": m.name, "field": m.field, "file": m.file, "ours": m.ours}
                for m in self.mismatches
            ],
        }


def _text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def check_mspdi(data: bytes, file: str) -> CheckReport:
    """Schedule the file's plan with Interloom and compare each task's dates with the file's."""
    imported = import_mspdi(data, file)
    schedule = schedule_plan(imported.plan, locate=imported.locate)
    ours = {task.id: task for task in schedule.tasks}
    mismatches = []
    checked = 0
    for record in imported.document.tasks:
        ident = imported.ids.get(record.uid)
        if ident is None:
            continue
        checked += 1
        planned = ours[ident]
        pairs = (
            (record.start, planned.start),
            (record.finish, planned.finish),
            (record.early_start, planned.early_start),
            (record.early_finish, planned.early_finish),
        )
        for field, (stored, computed) in zip(CHECKED_FIELDS, pairs, strict=True):
            if stored is not None and stored != computed:
                mismatches.append(
                    Mismatch(
                        uid=record.uid,
                        name=record.name or ident,
                        field=field,
                        file=_text(stored),
                        ours=_text(computed),
                    )
                )
    return CheckReport(checked, tuple(mismatches), imported.warnings)
