"""Staging files: what an extract task hands to the loader, one folder per chunk.

``<staging>/<run>/chunk-<NNNN>/`` holds four NDJSON files and a manifest, named
after the resource read per record (sales orders) and its child (their lines):

- ``sales_orders.ndjson``: one typed row per loaded order header (the resource's
  columns), plus ``header_source``, ``payload`` (the JSON as received, as text),
  ``run_id`` and ``extracted_at``;
- ``sales_order_lines.ndjson``: one typed row per line (``order_id``,
  ``line_number``, the child's columns, ``payload``, ``run_id``, ``extracted_at``);
- ``outcomes.ndjson``: one row per requested order: ``ok``, ``not_found`` (a 404;
  the load tells a deletion from an ID never held), ``failed`` (error type, HTTP
  status, trackingId, X-Trace-Id, message) or ``quarantined``;
- ``quarantine.ndjson``: every record that failed validation or is too large to
  stage, with the reason and its raw JSON. An order with any such record is
  loaded not at all (its previous version stays) rather than in part, and is
  read again next run.

No row is larger than :data:`MAX_RECORD_BYTES`: DuckDB's JSON reader fails the
whole read on a single object over its ``maximum_object_size``, so one huge
record (a 16 MiB memo, a 32 MiB field the vendor added) would otherwise stop
every run's load. An order or line whose row would be larger is quarantined with
its size and the limit; a quarantine row whose raw JSON would not fit keeps a
marked head of it with its full size and BLAKE2b digest (``payload_clipped``,
``payload_bytes``, ``payload_blake2b``, ``payload_head``); reasons and messages
are clipped to a few thousand characters. The loader reads with
:data:`READ_JSON_MAX_OBJECT_BYTES`, above anything the writer emits.

``manifest.json`` is written last and atomically; it lists each file's rows and
BLAKE2b digest (twice as fast as SHA-256 on CPUs without SHA instructions, and the
load hashes every byte of a run). A chunk without a manifest is unfinished; a file
that does not match its manifest is corrupt. Neither is ever loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Self

from pydantic import ValidationError

from twentyfourseven.api import OrderOutcome, OutcomeStatus
from twentyfourseven.api.payloads import describe_validation_error, dumps_json
from twentyfourseven.api.resources import SALES_ORDERS, Resource
from twentyfourseven.atomic import write_atomically
from twentyfourseven.warehouse.records import (
    DoesNotFit,
    currency_rate,
    line_row,
    order_row,
    record_row,
)

log = logging.getLogger(__name__)

# The resource read per record, its child, and the ledger of each record's outcome.
RECORDS = SALES_ORDERS
HEADERS = RECORDS.name
LINES = RECORDS.children[0].name
FILES = (HEADERS, LINES, "outcomes", "quarantine")
# Per staged row. Real orders and lines are a few kilobytes; this leaves three
# orders of magnitude of room and keeps every row well under the reader's bound.
MAX_RECORD_BYTES = 8 << 20
# DuckDB's own default (16 MiB), set explicitly: no staged row can reach it, and
# a larger bound would only enlarge the reader's buffers.
READ_JSON_MAX_OBJECT_BYTES = 2 * MAX_RECORD_BYTES
_TEXT_CHARS = 4000  # of a reason or message kept in a row
_HEAD_CHARS = 1000  # of a clipped payload kept in its quarantine row
_VERIFY_BLOCK = 1 << 20
MANIFEST = "manifest.json"
QUARANTINED = "quarantined"


class CorruptChunkError(Exception):
    """A chunk folder that is unfinished or does not match its manifest."""


def chunk_dir(run_dir: Path, chunk: int) -> Path:
    return run_dir / f"chunk-{chunk:04d}"


@dataclass(frozen=True, slots=True)
class Manifest:
    run_id: str
    chunk: int
    rows: dict[str, int]
    blake2b: dict[str, str]
    api_stats: dict[str, int]
    started_at: str
    finished_at: str
    notes: dict[str, Any] = field(default_factory=dict)  # what the writer adds (a listing's)


def _asdict(manifest: Manifest) -> dict[str, Any]:
    return {name: getattr(manifest, name) for name in Manifest.__slots__}


class SealedFiles:
    """NDJSON files written with their row counts and digests; :meth:`seal` writes the
    manifest last, so a folder without one is unfinished. The one writer of staging
    folders: per-record chunks (:class:`ChunkWriter`) and listings
    (:class:`ListingWriter`) alike."""

    def __init__(self, directory: Path, files: tuple[str, ...], *, run_id: str, chunk: int) -> None:
        self.directory = directory
        self.files = files
        self.run_id = run_id
        self.chunk = chunk
        self.started_at = _now()
        self.counts = dict.fromkeys(files, 0)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MANIFEST).unlink(missing_ok=True)  # a rerun starts the folder afresh
        self._files: dict[str, BinaryIO] = {
            name: (directory / f"{name}.ndjson").open("wb") for name in files
        }
        self._hashes = {name: hashlib.blake2b() for name in files}

    def _write(self, name: str, line: bytes) -> None:
        if len(line) > MAX_RECORD_BYTES:  # add() sees to it; a row over it breaks the load
            raise ValueError(f"{name} row of {len(line):,} bytes over {MAX_RECORD_BYTES:,}")
        self._files[name].write(line)
        self._hashes[name].update(line)
        self.counts[name] += 1

    def close(self, api_stats: dict[str, int] | None = None, **notes: Any) -> Manifest:
        """Flush and fsync the files, then write the manifest atomically."""
        for handle in self._files.values():
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        manifest = Manifest(
            run_id=self.run_id,
            chunk=self.chunk,
            rows=dict(self.counts),
            blake2b={name: h.hexdigest() for name, h in self._hashes.items()},
            api_stats=dict(api_stats or {}),
            started_at=self.started_at,
            finished_at=_now(),
            notes=notes,
        )
        write_atomically(self.directory / MANIFEST, json.dumps(_asdict(manifest), indent=2))
        return manifest

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:  # leave no manifest: the folder stays unfinished
            for handle in self._files.values():
                handle.close()


class ChunkWriter(SealedFiles):
    """Writes one chunk's staging files as outcomes arrive; :meth:`close` seals it."""

    def __init__(self, directory: Path, *, run_id: str, chunk: int) -> None:
        super().__init__(directory, FILES, run_id=run_id, chunk=chunk)
        self.status_counts: dict[str, int] = {}

    def add(self, outcome: OrderOutcome, listed_header: Any = None) -> str:
        """Record one order's outcome; returns the status written.

        ``listed_header`` is the order's raw JSON from the list endpoint, used
        when the header was not read again (``outcome.raw_header`` is None).
        """
        stamp = {"run_id": self.run_id, "extracted_at": _now()}
        status = outcome.status.value
        error = outcome.error
        rows: list[tuple[str, bytes]] = []
        quarantined: list[dict[str, Any]] = [
            {
                "order_id": record.order_id,
                "kind": record.kind,
                "record_id": _record_id(record.raw),
                "reason": record.reason,
                "payload": _text(record.raw),
            }
            for record in outcome.invalid
        ]
        lines_written = 0
        if outcome.status is OutcomeStatus.OK:
            raw_header = outcome.raw_header if outcome.raw_header is not None else listed_header
            header = outcome.header
            if header is None and not any(r["kind"] == "order" for r in quarantined):
                header = _validate_listed(RECORDS, outcome.order_id, raw_header, quarantined)
            if header is not None:
                try:
                    row = order_row(header)
                    row["header_source"] = "get" if outcome.raw_header is not None else "list"
                    row.update(payload=_text(raw_header), **stamp)
                    _stage(rows, quarantined, HEADERS, row, outcome.order_id)
                except DoesNotFit as exc:
                    quarantined.append(_unfit("order", outcome.order_id, None, exc, raw_header))
            raw_by_id = {_record_id(r): r for r in outcome.raw_lines or []}
            rate = currency_rate(header)
            for number, line in enumerate(outcome.lines or (), start=1):
                raw = raw_by_id.get(line.id)
                try:
                    line_fields = line_row(line, rate)
                except DoesNotFit as exc:
                    quarantined.append(_unfit("line", outcome.order_id, line.id, exc, raw))
                    continue
                row = {"order_id": outcome.order_id, "line_number": number, **line_fields}
                row.update(payload=_text(raw), **stamp)
                _stage(rows, quarantined, LINES, row, _bigint(line.id))
            if quarantined:
                status = QUARANTINED
                log.warning(
                    "Order %d quarantined: %s", outcome.order_id, _clip(_reasons(quarantined))
                )
            else:
                lines_written = sum(1 for name, _ in rows if name == LINES)
                for name, data in rows:
                    self._write(name, data)
        for entry in quarantined:
            self._write("quarantine", _quarantine_line({**entry, **stamp}))
        self._write(
            "outcomes",
            _encode(
                {
                    "order_id": outcome.order_id,
                    "status": status,
                    "error_type": error.error_type if error else None,
                    "http_status": error.status_code if error else None,
                    "tracking_id": error.tracking_id if error else None,
                    "trace_id": error.trace_id if error else None,
                    "message": _clip(str(error) if error else _reasons(quarantined)),
                    "lines": lines_written,
                    **stamp,
                }
            ),
        )
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        return status


class ListingWriter(SealedFiles):
    """Writes one listed resource's records (typed rows, as :class:`ChunkWriter` writes
    headers) and its invalid records to the listing's folder."""

    def __init__(self, directory: Path, resource: Resource, *, run_id: str) -> None:
        super().__init__(directory, (resource.name, "quarantine"), run_id=run_id, chunk=0)
        self.resource = resource

    def add(self, raw: Any) -> bool:
        """Stage one listed record; False if it went to quarantine."""
        stamp = {"run_id": self.run_id, "extracted_at": _now()}
        resource = self.resource
        reason = None
        try:
            row = record_row(resource.columns, resource.model.model_validate(raw))
        except ValidationError as exc:
            reason = describe_validation_error(exc)
        except DoesNotFit as exc:
            reason = str(exc)
        else:
            line = _encode({**row, "payload": _text(raw), **stamp})
            if len(line) <= MAX_RECORD_BYTES:
                self._write(resource.name, line)
                return True
            reason = f"too large to stage: {len(line):,} bytes, over the limit of "
            reason += f"{MAX_RECORD_BYTES:,} bytes per record"
        entry = {
            "order_id": None,
            "kind": resource.name,
            "record_id": _record_id(raw),
            "reason": reason,
            "payload": _text(raw),
        }
        self._write("quarantine", _quarantine_line({**entry, **stamp}))
        log.warning("%s record %s quarantined: %s", resource.name, entry["record_id"], reason)
        return False


def listing_dir(run_dir: Path, resource: Resource) -> Path:
    return run_dir / f"listing-{resource.name}"


def verify_chunk(directory: Path, files: tuple[str, ...] = FILES) -> Manifest:
    """The folder's manifest, after checking every file against it.

    Raises :class:`CorruptChunkError` naming the file and what is wrong.
    """
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise CorruptChunkError(f"{directory.name}: no manifest (extract did not finish)")
    try:
        data = json.loads(manifest_path.read_text())
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise CorruptChunkError(f"{directory.name}: unreadable manifest ({exc})") from exc
    for name in files:
        path = directory / f"{name}.ndjson"
        if not path.is_file():
            raise CorruptChunkError(f"{directory.name}/{path.name}: missing")
        digest = hashlib.blake2b()
        rows = 0
        with path.open("rb") as handle:  # in blocks: a run's files can be gigabytes
            while block := handle.read(_VERIFY_BLOCK):
                digest.update(block)
                rows += block.count(b"\n")
        if rows != manifest.rows[name] or digest.hexdigest() != manifest.blake2b[name]:
            raise CorruptChunkError(
                f"{directory.name}/{path.name}: {rows} rows and checksum do not match the "
                f"manifest ({manifest.rows[name]} rows); the file is truncated or corrupt"
            )
    return manifest


def _encode(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _stage(
    rows: list[tuple[str, bytes]],
    quarantined: list[dict[str, Any]],
    name: str,
    row: dict[str, Any],
    record_id: int | None,
) -> None:
    """Add the encoded row, or quarantine its record if the row is over the limit."""
    line = _encode(row)
    if len(line) <= MAX_RECORD_BYTES:
        rows.append((name, line))
        return
    quarantined.append(
        {
            "order_id": row["order_id"],
            "kind": "order" if name == HEADERS else "line",
            "record_id": record_id,
            "reason": f"too large to stage: {len(line):,} bytes, over the limit of "
            f"{MAX_RECORD_BYTES:,} bytes per record",
            "payload": row["payload"],
        }
    )


def _quarantine_line(entry: dict[str, Any]) -> bytes:
    """The quarantine row; a payload that would not fit is clipped, marked and fingerprinted."""
    entry["reason"] = _clip(entry["reason"])
    line = _encode(entry)
    if len(line) <= MAX_RECORD_BYTES:
        return line
    payload = entry["payload"].encode()
    clipped = {
        "payload_clipped": True,
        "payload_bytes": len(payload),
        "payload_blake2b": hashlib.blake2b(payload).hexdigest(),
        "payload_head": entry["payload"][:_HEAD_CHARS],
    }
    return _encode({**entry, "payload": json.dumps(clipped, ensure_ascii=False)})


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= _TEXT_CHARS:
        return text
    return f"{text[:_TEXT_CHARS]}… (clipped: {len(text):,} characters)"


def _validate_listed(
    resource: Resource, order_id: int, raw: Any, quarantined: list[dict[str, Any]]
) -> Any:
    if raw is None:
        return None
    try:
        return resource.model.model_validate(raw)
    except ValidationError as exc:
        quarantined.append(
            {
                "order_id": order_id,
                "kind": "order",
                "record_id": order_id,
                "reason": describe_validation_error(exc),
                "payload": _text(raw),
            }
        )
        return None


def _unfit(kind: str, order_id: int, record_id: Any, exc: Exception, raw: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "kind": kind,
        "record_id": _bigint(record_id) if record_id is not None else _record_id(raw),
        "reason": str(exc),
        "payload": _text(raw),
    }


def _record_id(raw: Any) -> int | None:
    """The record's ``id`` where it is one the warehouse can hold, else None."""
    return _bigint(raw.get("id") if isinstance(raw, dict) else None)


def _bigint(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None


def _text(raw: Any) -> str | None:
    return None if raw is None else dumps_json(raw).decode()


def _reasons(quarantined: list[dict[str, Any]]) -> str | None:
    if not quarantined:
        return None
    return "; ".join(f"{q['kind']} {q['record_id']}: {q['reason']}" for q in quarantined)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
