"""Replay's comparison of two flow versions' runs of a message."""

from __future__ import annotations

from interloom.core.flows.recording import RunSummary, compare_runs, pointer_counts


def test_the_same_run_is_the_same() -> None:
    run = RunSummary("delivered", None, [{"a": 1}], {"sink-0": [{"a": 1}]})

    assert compare_runs(3, run, run).same


def test_a_changed_output_field_is_reported_with_old_and_new() -> None:
    old = RunSummary("delivered", None, [{"name": "Ada"}], {"sink-0": [{"name": "Ada"}]})
    new = RunSummary("delivered", None, [{"name": "ADA"}], {"sink-0": [{"name": "ADA"}]})

    comparison = compare_runs(7, old, new)

    assert comparison.to_dict() == {
        "line": 7,
        "old_status": "delivered",
        "new_status": "delivered",
        "differences": [
            {"pointer": "/outputs/0/name", "kind": "changed", "old": "Ada", "new": "ADA"},
            {"pointer": "/sinks/sink-0/0/name", "kind": "changed", "old": "Ada", "new": "ADA"},
        ],
    }


def test_a_status_change_and_a_lost_output_are_differences() -> None:
    old = RunSummary("delivered", None, [{"a": 1}])
    new = RunSummary("rejected", "E-MSG-001", [])

    pointers = [d.pointer for d in compare_runs(1, old, new).differences]

    assert pointers == ["/status", "/error_code", "/outputs/0"]


def test_places_count_messages_with_indexes_generalised() -> None:
    old = RunSummary("delivered", None, [{"items": [{"p": 1}, {"p": 2}]}])
    new = RunSummary("delivered", None, [{"items": [{"p": 9}, {"p": 8}]}])
    first, second = compare_runs(1, old, new), compare_runs(2, old, new)

    assert pointer_counts([first, second]) == [("/outputs/*/items/*/p", 2)]


def test_ignored_pointers_leave_volatile_fields_out() -> None:
    old = RunSummary("delivered", None, [{"at": 1, "a": 1}])
    new = RunSummary("delivered", None, [{"at": 2, "a": 1}])

    assert compare_runs(1, old, new, ignore=["/outputs/*/at"]).same
