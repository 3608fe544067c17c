"""The run's params: order IDs checked and capped before any request, with errors that say
which values were wrong and why."""

from __future__ import annotations

import pytest

from twentyfourseven.deployment import PipelineSettings
from twentyfourseven.pipeline.plan import InvalidRunRequestError, RunRequest

FULLWIDTH_123 = "\uff11\uff12\uff13"


@pytest.mark.parametrize(
    "order_ids", [[3, "1", 2, 3], "3, 1 2,3", ["3", " 1 ", 2, 1], ("3", 1, "2")]
)
def test_order_ids_as_a_list_or_a_separated_string(order_ids):
    request = RunRequest.from_params({"order_ids": order_ids, "reconcile": True})
    assert request.order_ids == (3, 1, 2)
    assert request.reconcile
    assert not request.full_refresh


@pytest.mark.parametrize("order_ids", [None, [], "", " , "])
def test_no_order_ids(order_ids):
    assert RunRequest.from_params({"order_ids": order_ids}).order_ids == ()


def test_every_invalid_id_is_named_with_why_in_one_error():
    with pytest.raises(InvalidRunRequestError) as caught:
        RunRequest.from_params({"order_ids": [7, "abc", "²", FULLWIDTH_123, -4, 0, 2**64, "8"]})
    message = str(caught.value)
    assert message.startswith("order_ids: 6 of 8 values are not order IDs: ")
    for shown in ("'abc'", "'²'", f"'{FULLWIDTH_123}'", "-4", "got 0", str(2**64)):
        assert shown in message
    assert "ASCII digits 0-9, got '²'" in message
    assert "between 1 and 2147483647" in message
    assert "got 7" not in message
    assert "got '8'" not in message
    assert isinstance(caught.value, ValueError)


def test_a_long_list_of_invalid_ids_names_the_first_ones_and_counts_the_rest():
    with pytest.raises(InvalidRunRequestError) as caught:
        RunRequest.from_params({"order_ids": [f"x{n}" for n in range(25)]})
    message = str(caught.value)
    assert "'x9'" in message
    assert "'x10'" not in message
    assert message.endswith("and 15 more")


def test_order_ids_of_another_type_are_refused():
    with pytest.raises(InvalidRunRequestError, match=r"order_ids must be a list .*, got dict"):
        RunRequest.from_params({"order_ids": {"id": 1}})


def test_the_number_of_ids_is_capped_by_a_setting():
    assert RunRequest.from_params({"order_ids": list(range(1, 11))}, max_order_ids=10)
    with pytest.raises(InvalidRunRequestError) as caught:
        RunRequest.from_params({"order_ids": list(range(1, 12))}, max_order_ids=10)
    message = str(caught.value)
    assert "11 order IDs" in message
    assert "at most 10" in message
    assert "max_order_ids" in message
    assert "TWENTYFOURSEVEN_MAX_ORDER_IDS" in message


def test_the_cap_is_checked_before_any_id_is_parsed():
    with pytest.raises(InvalidRunRequestError, match="1,000,001 order IDs"):
        RunRequest.from_params({"order_ids": ",".join(["x"] * 1_000_001)})


def test_the_default_cap_is_the_settings_default():
    default = PipelineSettings.max_order_ids
    assert default == 10_000
    assert len(RunRequest.from_params({"order_ids": list(range(1, default + 1))}).order_ids) == (
        default
    )
    with pytest.raises(InvalidRunRequestError, match="at most 10,000"):
        RunRequest.from_params({"order_ids": list(range(1, default + 2))})


def test_max_order_ids_setting(monkeypatch):
    monkeypatch.setenv("TWENTYFOURSEVEN_MAX_ORDER_IDS", "50")
    assert PipelineSettings.load().max_order_ids == 50
    monkeypatch.setenv("TWENTYFOURSEVEN_MAX_ORDER_IDS", "0")
    with pytest.raises(
        ValueError,
        match=r"max_order_ids \(TWENTYFOURSEVEN_MAX_ORDER_IDS\) must be at least 1, got 0",
    ):
        PipelineSettings.load()
