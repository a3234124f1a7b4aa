"""MS Project's numeric codes, and the custom fields that carry what only Interloom knows.

MS Project has no field for a task's Interloom id, what it delivers or its sprint; they travel
in custom fields (``Text1``…, ``Number1``) declared in the file with an alias starting with
``Interloom``. On import the fields are found by alias, so a file whose ``Text1`` means
something else to its owner is not misread.
"""

from __future__ import annotations

from dataclasses import dataclass

from interloom.core.delivery.activities import ConstraintType, LinkType

LINK_TYPES: dict[int, LinkType] = {0: LinkType.FF, 1: LinkType.FS, 2: LinkType.SF, 3: LinkType.SS}
LINK_CODES = {kind: code for code, kind in LINK_TYPES.items()}

CONSTRAINTS: dict[int, ConstraintType] = {
    0: ConstraintType.ASAP,
    1: ConstraintType.ALAP,
    2: ConstraintType.MSO,
    3: ConstraintType.MFO,
    4: ConstraintType.SNET,
    5: ConstraintType.SNLT,
    6: ConstraintType.FNET,
    7: ConstraintType.FNLT,
}
CONSTRAINT_CODES = {kind: code for code, kind in CONSTRAINTS.items()}
FINISH_CONSTRAINTS = frozenset({ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO})
"""Constraints on a finish: a bare date in them means the end of that day."""

# Duration and lag formats: the unit a person typed. 35–44 and 51–53 are the same units
# marked "estimated" (with a question mark); even codes 4–12 and 20 are elapsed time.
_UNITS = {3: "m", 5: "h", 7: "d", 9: "w", 11: "mo", 19: "%", 21: "", 53: ""}
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 20, 36, 38, 40, 42, 44, 52})
PERCENT_FORMATS = frozenset({19, 20, 51, 52})
FORMAT_OF_UNIT = {"m": 3, "h": 5, "d": 7, "w": 9, "%": 19}


def unit_of_format(code: int | None) -> str | None:
    """The unit (``m``, ``h``, ``d``, ``w``, ``%``) of a format code; ``None`` if unknown.

    Months become days (the plan has no month unit); elapsed and estimated codes give their
    plain unit.
    """
    if code is None:
        return None
    if code >= 35:
        code -= 32
    if code in ELAPSED_FORMATS:
        code -= 1
    unit = _UNITS.get(code)
    if unit == "mo":
        return "d"
    return unit or None


@dataclass(frozen=True, slots=True)
class CustomField:
    """A custom field: MS Project's field id and name, and the alias Interloom gives it."""

    field_id: int
    field_name: str
    alias: str


TASK_ID = CustomField(188743731, "Text1", "Interloom id")
TASK_KIND = CustomField(188743734, "Text2", "Interloom kind")
DELIVERS = CustomField(188743737, "Text3", "Interloom delivers")
LEADS_TO = CustomField(188743740, "Text4", "Interloom milestone")
ASSIGNEE = CustomField(188743743, "Text5", "Interloom assignee")
SPRINT = CustomField(188743746, "Text6", "Interloom sprint")
STATUS = CustomField(188743747, "Text7", "Interloom status")
TAGS = CustomField(188743748, "Text8", "Interloom tags")
STORY_POINTS = CustomField(188743767, "Number1", "Interloom story points")
TASK_FIELDS = (TASK_ID, TASK_KIND, DELIVERS, LEADS_TO, ASSIGNEE, SPRINT, STATUS, TAGS, STORY_POINTS)

BASELINE_FIELDS = tuple(
    CustomField(188744006 + number, f"Text{20 + number}", f"Interloom baseline {number}")
    for number in range(11)
)
"""On the project summary task (UID 0): each baseline's name, save time and status date."""

RESOURCE_ID = CustomField(205520904, "Text1", "Interloom resource id")

MILESTONE_KIND = "milestone"
