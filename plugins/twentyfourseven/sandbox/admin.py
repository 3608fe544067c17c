"""The admin API under ``/_sandbox`` (a path no real API uses): faults, counters,
clock, change simulation, an order's ``modifiedAt``, settings, token revocation and
reset.

No authentication: it is a test harness on loopback.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .changes import ChangeRequest, apply_changes
from .config import FaultConfig, RuntimeSettings
from .error_bodies import issues_from_pydantic, not_found, validation_error
from .faults import ScriptedFault
from .generator import iso_timestamp
from .state import Sandbox
from .store import NotFound

router = APIRouter(prefix="/_sandbox", tags=["sandbox admin"])
M = TypeVar("M", bound=BaseModel)


def _sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int = Field(ge=0)


class ModifiedAtChange(BaseModel):
    """Where to put an order's ``modifiedAt``: a time, or seconds from the sandbox clock
    (a vendor clock jump, for instance, stamps an order hours ahead)."""

    model_config = ConfigDict(extra="forbid")
    modified_at: dt.datetime | None = None
    ahead_seconds: int | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ModifiedAtChange:
        if (self.modified_at is None) == (self.ahead_seconds is None):
            raise ValueError("give exactly one of modified_at and ahead_seconds")
        if self.modified_at is not None and self.modified_at.tzinfo is None:
            raise ValueError("modified_at needs a UTC offset")
        return self


def _merge(model: type[M], current: M, changes: dict[str, Any]) -> M:
    try:
        return model.model_validate({**current.model_dump(), **changes})
    except ValidationError as exc:
        raise validation_error(issues_from_pydantic(exc.errors())) from None


def _faults(sandbox: Sandbox) -> dict[str, Any]:
    return {**sandbox.faults.config.model_dump(), "script": sandbox.faults.pending_script()}


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    sandbox = _sandbox(request)
    return {"status": "ok", "orders": sandbox.store.count(), "seed": sandbox.config.seed}


@router.get("/config")
async def config(request: Request) -> dict[str, Any]:
    """The start configuration, with the current settings, faults and clock."""
    sandbox = _sandbox(request)
    start = sandbox.config.model_dump(mode="json", exclude={"client_secret"})
    return {
        **start,
        "settings": sandbox.settings.model_dump(),
        "faults": _faults(sandbox),
        "clock": iso_timestamp(sandbox.clock.now()),
    }


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return _faults(_sandbox(request))


@router.put("/faults")
async def replace_faults(request: Request, faults: FaultConfig) -> dict[str, Any]:
    """Replace the whole fault configuration (unset fields: off)."""
    sandbox = _sandbox(request)
    sandbox.faults.configure(faults)
    return _faults(sandbox)


@router.patch("/faults")
async def update_faults(
    request: Request,
    changes: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    """Change some fault settings, keep the others."""
    sandbox = _sandbox(request)
    merged = _merge(FaultConfig, sandbox.faults.config, changes)
    sandbox.faults.configure(merged)
    return _faults(sandbox)


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, Any]:
    """All faults off, scripted ones dropped."""
    sandbox = _sandbox(request)
    sandbox.faults.configure(FaultConfig())
    return _faults(sandbox)


@router.post("/faults/script")
async def script_faults(
    request: Request, faults: list[ScriptedFault] | ScriptedFault
) -> dict[str, Any]:
    """Fire these faults on the next matching requests, before any random fault."""
    sandbox = _sandbox(request)
    sandbox.faults.add_script(faults if isinstance(faults, list) else [faults])
    return _faults(sandbox)


@router.get("/counters")
async def get_counters(request: Request) -> dict[str, Any]:
    return _sandbox(request).counters.snapshot()


@router.delete("/counters")
async def reset_counters(request: Request) -> dict[str, Any]:
    sandbox = _sandbox(request)
    sandbox.counters.reset()
    return sandbox.counters.snapshot()


@router.get("/settings")
async def get_settings(request: Request) -> dict[str, Any]:
    return _sandbox(request).settings.model_dump()


@router.patch("/settings")
async def update_settings(
    request: Request,
    changes: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    sandbox = _sandbox(request)
    merged = _merge(RuntimeSettings, sandbox.settings, changes)
    if merged.tick != sandbox.settings.tick:
        sandbox.clock.set_tick(merged.tick)
    sandbox.settings = merged
    return merged.model_dump()


@router.get("/clock")
async def get_clock(request: Request) -> dict[str, Any]:
    sandbox = _sandbox(request)
    return {"now": iso_timestamp(sandbox.clock.now()), "epoch": sandbox.clock.now()}


@router.post("/clock/advance")
async def advance_clock(request: Request, advance: ClockAdvance) -> dict[str, Any]:
    sandbox = _sandbox(request)
    now = sandbox.clock.advance(advance.seconds)
    return {"now": iso_timestamp(now), "epoch": now}


@router.put("/orders/{order_id}/modified-at")
async def set_modified_at(request: Request, order_id: int, change: ModifiedAtChange) -> dict:
    """Stamp one order's ``modifiedAt`` (nothing else changes), even ahead of the clock."""
    sandbox = _sandbox(request)
    if change.modified_at is not None:
        stamp = int(change.modified_at.timestamp())
    else:
        stamp = sandbox.clock.now() + (change.ahead_seconds or 0)
    try:
        sandbox.store.touch(order_id, modified=stamp)
        header = sandbox.store.header(order_id)
    except NotFound:
        raise not_found(f"Sales order {order_id} not found") from None
    return {
        "id": order_id,
        "modifiedAt": header["modifiedAt"],
        "clock": iso_timestamp(sandbox.clock.now()),
    }


@router.post("/changes")
async def simulate_changes(request: Request, changes: ChangeRequest) -> dict[str, Any]:
    """Advance the clock and edit/add/delete fractions of orders and lines."""
    return apply_changes(_sandbox(request), changes)


@router.post("/tokens/revoke")
async def revoke_tokens(request: Request) -> dict[str, Any]:
    """Expire every issued token now: the next API call with one gets 401."""
    sandbox = _sandbox(request)
    sandbox.tokens.revoke_all()
    return {"revoked": True, "issued": sandbox.tokens.issued}


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    sandbox = _sandbox(request)
    return {**sandbox.store.stats(), "tokens_issued": sandbox.tokens.issued}


@router.post("/reset")
async def reset(request: Request) -> dict[str, Any]:
    """Forget all changes; clock, faults, settings and counters back to the start."""
    sandbox = _sandbox(request)
    sandbox.reset()
    return {"status": "reset", **sandbox.store.stats()}
