"""Change simulation: the clock moves, a fraction of orders and lines is edited,
added or deleted; modifiedFrom finds exactly what changed; line-only edits bump
modifiedAt only when the switch says so; batches are reproducible."""

from __future__ import annotations

from twentyfourseven.api.payloads import parse_json

SANDBOX_OPTIONS = {"orders": 400, "seed": 21}
HOUR = 3600


def _by_id(list_all, **params):
    return {o["id"]: o for o in list_all(limit=1000, **params)[0]}


def test_edits_adds_and_deletes_show_up_through_the_api(sandbox, list_all, api):
    sandbox.reset()
    before = _by_id(list_all)
    clock_before = sandbox.admin("GET", "/clock")["now"]
    report = sandbox.simulate_changes(
        advance_seconds=6 * HOUR, edit_orders=0.05, add_orders=0.02, delete_orders=0.01
    )
    assert report["clock"] > clock_before
    assert len(report["edited_orders"]) >= 15
    assert len(report["created_orders"]) == 8
    assert 1 <= len(report["deleted_orders"]) <= 4
    after = _by_id(list_all)
    assert set(after) == (set(before) | set(report["created_orders"])) - set(
        report["deleted_orders"]
    )
    for order_id in report["deleted_orders"]:
        assert api.get(f"/salesorders/{order_id}").status_code == 404
    for order_id in report["edited_orders"]:
        assert clock_before < after[order_id]["modifiedAt"] <= report["clock"]
        assert after[order_id] != before[order_id]
    changed = _by_id(list_all, modifiedFrom=clock_before.replace("Z", "+00:00"))
    expected = set(report["edited_orders"]) | set(report["created_orders"])
    # modifiedFrom is inclusive: base orders stamped exactly at the start time match too
    assert expected <= set(changed)
    assert all(changed[i]["modifiedAt"] >= clock_before for i in changed)
    assert len(set(changed) - expected) <= 3
    for order_id in report["created_orders"]:
        lines = parse_json(api.get(f"/salesorders/{order_id}/lines").content)
        assert lines
        assert after[order_id]["netAmount"] != 0 or all(line["price"] == 0 for line in lines)


def test_line_only_edits_without_bump_keep_modified_at(sandbox, list_all, api):
    sandbox.reset()
    before = _by_id(list_all)
    report = sandbox.simulate_changes(advance_seconds=HOUR, edit_lines=0.05, add_lines=0.02)
    touched = report["line_changed_orders"]
    assert len(touched) >= 20
    assert report["edited_orders"] == []
    after = _by_id(list_all)
    amounts_changed = 0
    for order_id in touched:
        assert after[order_id]["modifiedAt"] == before[order_id]["modifiedAt"]
        amounts_changed += after[order_id]["netAmount"] != before[order_id]["netAmount"]
    assert amounts_changed >= len(touched) // 2
    assert _by_id(list_all, modifiedFrom="2025-06-30T12:00:01Z") == {}


def test_line_only_edits_with_bump_move_modified_at(sandbox, list_all):
    sandbox.reset()
    sandbox.update_settings(line_edit_bumps_modified=True)
    report = sandbox.simulate_changes(advance_seconds=HOUR, delete_lines=0.03)
    touched = set(report["line_changed_orders"])
    assert touched
    assert set(report["edited_orders"]) == touched
    changed = _by_id(list_all, modifiedFrom="2025-06-30T12:00:01Z")
    assert set(changed) == touched


def test_batches_are_reproducible(sandbox, list_all):
    batch = {"advance_seconds": HOUR, "edit_orders": 0.03, "edit_lines": 0.03, "add_orders": 0.01}
    sandbox.reset()
    first = sandbox.simulate_changes(**batch)
    first_data = _by_id(list_all)
    sandbox.reset()
    second = sandbox.simulate_changes(**batch)
    assert first == second
    assert _by_id(list_all) == first_data


def test_reset_restores_the_generated_data(sandbox, list_all):
    sandbox.reset()
    pristine = _by_id(list_all)
    sandbox.simulate_changes(advance_seconds=HOUR, edit_orders=0.1, delete_orders=0.1)
    assert _by_id(list_all) != pristine
    stats = sandbox.reset()
    assert stats["changed_headers"] == stats["deleted"] == 0
    assert _by_id(list_all) == pristine


def test_changes_set_lengthen_and_reset_accruals(sandbox, list_all, api):
    sandbox.reset()
    before = _by_id(list_all)

    def accruals(order_id):
        lines = parse_json(api.get(f"/salesorders/{order_id}/lines").content)
        return {line["id"]: line.get("accrual") for line in lines}

    lines_before = {order_id: accruals(order_id) for order_id in before}
    report = sandbox.simulate_changes(advance_seconds=HOUR, edit_orders=0.5, edit_lines=0.5)
    after = _by_id(list_all)
    changed = [
        after[i]["accrual"]
        for i in report["edited_orders"]
        if after[i].get("accrual") != before[i].get("accrual")
    ]
    for order_id in report["line_changed_orders"]:
        found = accruals(order_id)
        changed += [a for n, a in found.items() if a != lines_before[order_id].get(n, a)]
    # set or lengthened (from a first day, for a length the generator uses) or reset ({}, rare:
    # few orders and lines have an accrual to reset; the load of {} is in tests/warehouse)
    assert len([a for a in changed if a]) >= 5
    assert all(a == {} or (a["startDate"].endswith("-01") and a["length"] >= 2) for a in changed)
