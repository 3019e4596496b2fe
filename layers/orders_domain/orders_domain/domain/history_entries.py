"""An order's history: one entry per version, enough to rebuild the order as it stood at each.

The stream consumer (issue 17, being built) appends an entry for every change of an order; `GET
.../history` lists them and `GET ...?asOf=` rebuilds the order from them. Each entry carries the
version, the event (events.event_for), when, who, the changed fields as JSON pointers, and the
way to that version's document, whichever is smaller:

- a **snapshot**: the whole document, zlib-compressed JSON (version 1 is always one, and one at least
  every `SNAPSHOT_EVERY` versions, so a rebuild applies a bounded number of patches); or
- a **patch**: the RFC 6902 operations from the previous version (`jsonpatch`, a maintained library).

A 500-line order compresses to a few tens of KB, so no entry comes near DynamoDB's 400 KB item
limit. Documents are the order's stored JSON (Decimals as strings, exactly), so the rebuilt document
is the stored one and its GET the same bytes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpatch

from orders_domain.domain import events

#: A snapshot at least this often (in versions): a rebuild applies at most this many patches.
SNAPSHOT_EVERY = 20
#: The pointer of "the whole document": what a create changed.
WHOLE_DOCUMENT = ""
#: What every version changes: kept in the patch (a rebuild is exact) but not named as a changed
#: field, which lists what the change was about.
BOOKKEEPING = frozenset(
    {"/sys_version", "/sys_last_modified_at", "/sys_last_modified_by_id", "/sys_recent_write_ids"}
)


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event: events.OrderEvent
    #: `sys_last_modified_at` of this version, as stored.
    at: str
    actor: str | None
    #: JSON pointers of what this version changed (sorted; the whole document for a create).
    changed: tuple[str, ...]
    patch: tuple[dict[str, Any], ...] | None = None
    snapshot: bytes | None = None
    #: The admin override this version made (`override_of`), or None.
    override: dict[str, Any] | None = None

    def document_after(self, previous: Mapping[str, Any] | None) -> dict[str, Any]:
        """This version's document, from the one before it (unused when this entry is a snapshot)."""
        if self.snapshot is not None:
            loaded: dict[str, Any] = json.loads(zlib.decompress(self.snapshot))
            return loaded
        if previous is None:
            raise ValueError(f"version {self.version} is a patch; its previous document is needed")
        patched: dict[str, Any] = jsonpatch.apply_patch(dict(previous), list(self.patch or ()))
        return patched


def _compressed(document: Mapping[str, Any]) -> bytes:
    return zlib.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6)


def _bookkeeping(path: str) -> bool:
    """A path every change moves (`BOOKKEEPING`, or inside one): not a changed field."""
    return any(path == b or path.startswith(b + "/") for b in BOOKKEEPING)


#: A change of many fields is listed by the order's members it touched (`/payload`) once its paths
#: would take more than this: the entry must fit beside the document's snapshot in one item.
MAX_CHANGED_BYTES = 8_192


def _bounded(paths: list[str]) -> tuple[str, ...]:
    if sum(len(p) + 3 for p in paths) <= MAX_CHANGED_BYTES:
        return tuple(paths)
    return tuple(sorted({"/" + p.split("/", 2)[1] for p in paths if p.count("/") >= 1}))


def entry_for(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> HistoryEntry:
    """The history entry of the change from `old` (None: the order was created) to `new`."""
    version = int(new["sys_version"])
    event = events.event_for(old["status"] if old is not None else None, new["status"])
    at, actor = str(new.get("sys_last_modified_at", "")), new.get("sys_last_modified_by_id")
    snapshot = _compressed(new)
    if old is None:
        override = events.override_of(old, new)
        return HistoryEntry(
            version, event, at, actor, (WHOLE_DOCUMENT,), snapshot=snapshot, override=override
        )
    operations = tuple(jsonpatch.make_patch(dict(old), dict(new)).patch)
    changed = _bounded(sorted({str(op["path"]) for op in operations if not _bookkeeping(str(op["path"]))}))
    patch_size = len(json.dumps(operations, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if version % SNAPSHOT_EVERY == 1 or patch_size >= len(snapshot):
        return HistoryEntry(version, event, at, actor, changed=changed, snapshot=snapshot)
    return HistoryEntry(version, event, at, actor, changed=changed, patch=operations)


def rebuild(entries: Sequence[HistoryEntry], version: int) -> dict[str, Any] | None:
    """The document at `version`, from an order's entries (any order, any extra ones); None when
    the entries do not reach it (the version did not exist, or its snapshot is missing)."""
    by_version = {entry.version: entry for entry in entries}
    start = version
    while start in by_version and by_version[start].snapshot is None:
        start -= 1
    if start not in by_version:
        return None
    document: dict[str, Any] | None = None
    for v in range(start, version + 1):
        document = by_version[v].document_after(document)
    return document
