"""Moving the plan in and out of Interloom: MS Project XML, CSV, iCalendar, MPXJ; plan check.

- :func:`read_plan_file` imports an MSPDI, CSV or (through MPXJ) ``.mpp``/``.xer``/… file;
  :func:`write_plan_yaml` writes the result as a plan file; :func:`save_baselines` records
  the baselines it carried.
- :func:`export_plan` writes the project's plan, with the recorded progress and the saved
  baselines, as MSPDI, CSV or iCalendar.
- :func:`check_plan_file` schedules an MSPDI file with Interloom's engine and lists the
  dates that differ from the file's.

MPXJ (the ``interloom[mpxj]`` extra) runs in a Java process of its own: its converter reads
the file with ``UniversalProjectReader`` and writes MSPDI, which is then imported as usual.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from interloom.core.delivery.plan import Plan, TaskStatus
from interloom.core.delivery.plan_schedule import Baseline, PlanSchedule
from interloom.core.errors import ConflictError, InvalidRequestError, Location, NotFoundError
from interloom.formats.plan.amounts import amount_minutes, amount_text
from interloom.formats.plan.csv_tasks import read_tasks_csv, write_tasks_csv
from interloom.formats.plan.errors import (
    InterchangeWarning,
    MpxjConversionError,
    MpxjUnavailableError,
    PlanInterchangeError,
)
from interloom.formats.plan.icalendar import milestones_calendar
from interloom.formats.plan.mspdi import CheckReport, check_mspdi, export_mspdi, import_mspdi
from interloom.formats.plan.mspdi_import import finish_moment, start_moment
from interloom.formats.plan.plan_yaml import plan_yaml
from interloom.services import plan as plan_service
from interloom.services.workspace import Workspace
from interloom.storage import plan_records
from interloom.storage.audit import add_audit_entry


class ImportFormat(StrEnum):
    """What ``plan import`` reads."""

    MSPDI = "mspdi"
    CSV = "csv"
    MPXJ = "mpxj"


class ExportFormat(StrEnum):
    """What ``plan export`` writes."""

    MSPDI = "mspdi"
    CSV = "csv"
    ICAL = "ical"


MPXJ_SUFFIXES = frozenset(
    {".mpp", ".mpt", ".mpx", ".xer", ".pmxml", ".pp", ".gan", ".pod", ".planner", ".fts"}
)
"""Files only MPXJ reads: MS Project's binary files, Primavera XER and PMXML, and others."""
MPXJ_TIMEOUT = 120  # seconds for one conversion, Java's start-up included
CONVERTERS = ("org.mpxj.sample.MpxjConvert", "net.sf.mpxj.sample.MpxjConvert")
"""MPXJ's converter class: renamed with its packages in MPXJ 14."""


@dataclass(frozen=True, slots=True)
class PlanImport:
    """A plan read from another tool's file, with its baselines and what was tolerated."""

    plan: Plan
    baselines: tuple[Baseline, ...]
    warnings: tuple[InterchangeWarning, ...]
    source: Path
    format: ImportFormat

    def summary(self) -> dict[str, Any]:
        """Counts, baselines and warnings, for people and for ``--output json``."""
        plan = self.plan
        return {
            "source": str(self.source),
            "format": self.format.value,
            "project": None if plan.project is None else plan.project.name,
            "tasks": len(plan.tasks),
            "milestones": len(plan.milestones),
            "calendars": len(plan.calendars),
            "resources": len(plan.resources),
            "links": sum(len(t.depends_on) for t in plan.tasks)
            + sum(len(m.depends_on) for m in plan.milestones),
            "baselines": [b.name for b in self.baselines],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def detect_format(path: Path) -> ImportFormat:
    """The format of a file from its name: ``.xml`` MSPDI, ``.csv``, or one MPXJ reads."""
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return ImportFormat.MSPDI
    if suffix in (".csv", ".tsv", ".txt"):
        return ImportFormat.CSV
    if suffix in MPXJ_SUFFIXES:
        return ImportFormat.MPXJ
    raise InvalidRequestError(
        f"cannot tell the format of '{path.name}' from its name",
        location=Location(file=str(path)),
        hint="pass --format mspdi, csv or mpxj",
    )


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise NotFoundError(f"no file {path}", location=Location(file=str(path)))
    return path.read_bytes()


def read_plan_file(path: Path, format: ImportFormat | None = None) -> PlanImport:
    """Import a plan file; a located, coded error if it cannot be read."""
    kind = format or detect_format(path)
    data = _read(path)
    if kind is ImportFormat.CSV:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PlanInterchangeError(
                f"the file is not UTF-8 text (byte {error.start})",
                location=Location(file=str(path)),
                hint="save the CSV as UTF-8",
            ) from None
        plan = read_tasks_csv(text, str(path))
        return PlanImport(plan, (), (), path, kind)
    if kind is ImportFormat.MPXJ:
        data = convert_with_mpxj(path)
    imported = import_mspdi(data, str(path))
    return PlanImport(imported.plan, imported.baselines, imported.warnings, path, kind)


def plan_text(result: PlanImport) -> str:
    """The imported plan as the text of a plan file."""
    comment = f"Imported by Interloom from {result.source.name} ({result.format.value})."
    return plan_yaml(result.plan, comment=comment)


def write_plan_yaml(result: PlanImport, target: Path, *, overwrite: bool = False) -> Path:
    """Write the imported plan as a plan file; an existing file needs ``overwrite``."""
    if target.exists() and not overwrite:
        raise ConflictError(
            f"{target} exists",
            location=Location(file=str(target)),
            hint="choose another file, or pass --force to replace it",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(plan_text(result), encoding="utf-8")
    return target


async def save_baselines(
    workspace: Workspace, baselines: Sequence[Baseline], *, actor: str, replace: bool = False
) -> list[str]:
    """Record imported baselines (audited); a name already saved needs ``replace``."""
    async with workspace.database.transaction() as session:
        for baseline in baselines:
            existed = await plan_records.baseline_exists(session, baseline.name)
            if existed and not replace:
                raise ConflictError(
                    f"a baseline named '{baseline.name}' is already saved",
                    hint="pass --replace-baselines to replace it",
                )
            await plan_records.save_baseline(session, baseline, saved_by=actor)
            await add_audit_entry(
                session,
                actor=actor,
                action="plan.baseline.imported",
                entity=f"baseline:{baseline.name}",
                before=None,
                after={"tasks": len(baseline.tasks), "saved_at": baseline.saved_at.isoformat()},
            )
    return [b.name for b in baselines]


def check_plan_file(path: Path) -> CheckReport:
    """Schedule an MSPDI (or, through MPXJ, another) file and compare its dates with ours."""
    data = convert_with_mpxj(path) if detect_format(path) is ImportFormat.MPXJ else _read(path)
    return check_mspdi(data, str(path))


# -- export -------------------------------------------------------------------------------


def _with_progress(plan: Plan, schedule: PlanSchedule) -> Plan:
    """The plan's tasks with their progress once the recorded updates apply."""
    planned = {t.id: t for t in schedule.tasks}
    days = {c.id: c.minutes_per_day for c in schedule.calendars}
    tasks = []
    for task in plan.tasks:
        now = planned[task.id]
        if now.summary:
            tasks.append(task)
            continue
        update: dict[str, Any] = {
            "percent_complete": now.percent_complete,
            "status": now.status,
        }
        # Dates as a plan file writes them: midnight as a bare date.
        if now.actual_start is not None:
            update["actual_start"] = start_moment(now.actual_start)
        if now.actual_finish is not None:
            update["actual_finish"] = finish_moment(now.actual_finish)
        cancelled = now.status is TaskStatus.CANCELLED
        per_day = days.get(now.calendar, schedule.minutes_per_day)
        own = 0 if task.is_milestone else amount_minutes(task.duration, per_day)
        if not cancelled and not task.is_milestone and now.duration_minutes != own:
            update["duration"] = amount_text(now.duration_minutes, per_day, task.duration[-1])
        tasks.append(task.model_copy(update=update))
    return plan.model_copy(update={"tasks": tasks})


async def _baselines(workspace: Workspace) -> list[Baseline]:
    views = await plan_service.list_baselines(workspace)
    return [await plan_service.get_baseline(workspace, view.name) for view in views]


def export_document(
    plan: Plan,
    format: ExportFormat,
    *,
    schedule: PlanSchedule | None = None,
    baselines: Sequence[Baseline] = (),
    deadlines: bool = False,
    base_url: str | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """A plan as an MSPDI, CSV or iCalendar document."""
    if format is ExportFormat.CSV:
        return write_tasks_csv(plan).encode("utf-8")
    if format is ExportFormat.ICAL:
        moment = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
        return milestones_calendar(
            plan, schedule, stamp=moment, deadlines=deadlines, base_url=base_url
        )
    return export_mspdi(plan, baselines)


async def export_plan(
    workspace: Workspace,
    format: ExportFormat,
    *,
    deadlines: bool = False,
    base_url: str | None = None,
) -> bytes:
    """The project's plan, with the recorded progress and the saved baselines, as a document."""
    files = plan_service.plan_files(workspace.project)
    plan, schedule = files.plan, None
    if plan.project is not None or format is not ExportFormat.CSV:
        # Without a project section this raises the plan's error, located in its file.
        schedule = await plan_service.compute_plan(workspace)
        plan = _with_progress(plan, schedule)
    baselines = await _baselines(workspace) if format is ExportFormat.MSPDI else []
    return export_document(
        plan, format, schedule=schedule, baselines=baselines, deadlines=deadlines, base_url=base_url
    )


# -- MPXJ -------------------------------------------------------------------------------


def mpxj_classpath() -> tuple[str, str]:
    """The classpath of the jars the ``mpxj`` package ships, and its converter class."""
    spec = importlib.util.find_spec("mpxj")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    jars = sorted(p for location in locations for p in (Path(location) / "lib").glob("*.jar"))
    if not jars:
        raise MpxjUnavailableError(
            "reading this file needs MPXJ, which is not installed",
            hint="pip install 'interloom[mpxj]' (it also needs Java 11 or later), or save the "
            "plan from its tool as MS Project XML and import that",
        )
    for jar in jars:
        with zipfile.ZipFile(jar) as archive:
            names = set(archive.namelist())
        for converter in CONVERTERS:
            if converter.replace(".", "/") + ".class" in names:
                return os.pathsep.join(str(j) for j in jars), converter
    raise MpxjUnavailableError(
        "the installed mpxj package has no converter class",
        hint="pip install --upgrade 'interloom[mpxj]'",
    )


def convert_with_mpxj(path: Path, *, java: str | None = None) -> bytes:
    """MSPDI bytes from any file MPXJ reads (``.mpp``, ``.xer``, ``.mpx``…)."""
    _read(path)
    classpath, converter = mpxj_classpath()
    runtime = java or shutil.which("java")
    if runtime is None:
        raise MpxjUnavailableError(
            "reading this file needs a Java runtime, and none is on the PATH",
            hint="install Java 11 or later (e.g. apt-get install default-jre-headless)",
        )
    with tempfile.TemporaryDirectory(prefix="interloom-mpxj-") as scratch:
        target = Path(scratch) / "converted.xml"
        command = [runtime, "-cp", classpath, converter, str(path.resolve()), str(target)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=MPXJ_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise MpxjConversionError(
                f"MPXJ did not finish reading {path.name} in {MPXJ_TIMEOUT} s",
                location=Location(file=str(path)),
            ) from None
        except OSError as error:
            raise MpxjUnavailableError(
                f"Java could not be started: {error.strerror}",
                hint="install Java 11 or later",
            ) from None
        if done.returncode != 0 or not target.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            reason = detail[-1] if detail else f"exit status {done.returncode}"
            raise MpxjConversionError(
                f"MPXJ could not read {path.name}: {reason}",
                location=Location(file=str(path)),
                hint="check that the file opens in its own tool and is not password-protected",
            )
        return target.read_bytes()
