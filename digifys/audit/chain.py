"""The hash chain of the access log: one canonical serialisation, shared by writers and checkers.

Each entry's hash is SHA-256 over the previous entry's hash followed by a canonical JSON
serialisation of every other stored field (`json.dumps(sort_keys=True, separators=(",", ":"))`,
`occurred_at` as ISO 8601 UTC with microseconds, ids as ints or null). The first entry links to
`GENESIS_HASH`. This module has no Django imports so benchmarks and external checkers can use it.
"""

import datetime
import hashlib
import json

GENESIS_HASH = "0" * 64

# Field order of a row as passed to `entry_hash` (and as selected by `verify_chain`).
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "actor_role",
    "organisation_id",
    "organisation_name",
    "resident_id",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "ip_address",
    "details",
)

_UTC = datetime.UTC
_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
_sha256 = hashlib.sha256


def format_instant(moment: datetime.datetime) -> str:
    """Return MOMENT as ISO 8601 in UTC with microseconds, e.g. 2026-01-31T22:05:00.000000+00:00."""
    if moment.tzinfo is not _UTC:
        moment = moment.astimezone(_UTC)
    return moment.isoformat(timespec="microseconds")


def canonical_payload(
    seq,
    occurred_at: str,
    actor_id,
    actor_name,
    actor_role,
    organisation_id,
    organisation_name,
    resident_id,
    action,
    object_type,
    object_id,
    purpose,
    ip_address,
    details,
) -> str:
    """Return the canonical JSON text of one entry's fields (everything but the two hashes).

    OCCURRED_AT is already formatted by `format_instant`.
    """
    return _dumps(
        {
            "action": action,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "details": details,
            "ip_address": ip_address,
            "object_id": object_id,
            "object_type": object_type,
            "occurred_at": occurred_at,
            "organisation_id": organisation_id,
            "organisation_name": organisation_name,
            "purpose": purpose,
            "resident_id": resident_id,
            "seq": seq,
        }
    )


def hash_canonical(prev_hash: str, *fields) -> str:
    """Return the hash of an entry whose fields (HASHED_FIELDS order) have occurred_at formatted."""
    return _sha256((prev_hash + canonical_payload(*fields)).encode()).hexdigest()


def entry_hash(prev_hash: str, seq, occurred_at: datetime.datetime, *fields) -> str:
    """Return the hash of an entry given the previous hash and its fields in HASHED_FIELDS order."""
    return hash_canonical(prev_hash, seq, format_instant(occurred_at), *fields)
