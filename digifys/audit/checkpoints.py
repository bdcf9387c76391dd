"""Signed checkpoints of the access log's chain head, kept outside the database.

The hash chain (`digifys.audit.chain`) shows that an entry was changed, but whoever can write to
the database can also re-hash every later entry, delete an entry and renumber the rest, or cut the
tail and move the chain head back — and the chain is consistent again. A checkpoint pins the
chain head at a moment in time somewhere the database role cannot write:

- `publish_checkpoint` writes one JSON file per checkpoint (`seq`, `hash`, `published_at`,
  `signature`) into `AUDIT_CHECKPOINT_DIR`, signed with HMAC-SHA256 under `AUDIT_CHECKPOINT_KEY`,
  a key that is never stored in the database;
- `verify_checkpoints` checks each file's signature and that the log still holds an entry at
  that sequence number with exactly that hash (so the chain still has at least that many
  entries). Together with `verify_chain` this finds every rewrite of an entry at or before the
  newest checkpoint.

What it does not find: a rewrite of entries appended after the newest checkpoint (publish often),
nor a rewrite by someone who also holds the key and can write to the checkpoint directory.
"""

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .chain import GENESIS_HASH, format_instant
from .models import AuditChainHead, AuditEvent

FORMAT = "digifys-audit-checkpoint-1"
SIGNED_FIELDS = ("format", "seq", "hash", "published_at")


def checkpoint_key() -> bytes:
    """Return the signing key from settings; in demo, debug and tests generate one under var/."""
    key = settings.AUDIT_CHECKPOINT_KEY
    if key:
        return key.encode()
    if not (settings.DEMO or settings.DEBUG or os.environ.get("PYTEST_VERSION")):
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_KEY (or AUDIT_CHECKPOINT_KEY_FILE) must be set outside demo and "
            "debug mode."
        )
    key_file = Path(settings.VAR_DIR) / "audit_checkpoint_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip().encode()


def _signature(fields: dict, key: bytes) -> str:
    message = json.dumps(
        {name: fields[name] for name in SIGNED_FIELDS}, sort_keys=True, separators=(",", ":")
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def publish_checkpoint(*, directory: Path | None = None, now=None) -> Path:
    """Write a signed checkpoint of the current chain head into DIRECTORY; return its path.

    The file is written under a temporary name and renamed, so a reader never sees half a file.
    """
    directory = Path(directory or checkpoint_dir())
    directory.mkdir(parents=True, exist_ok=True)
    head = AuditChainHead.objects.values_list("last_seq", "last_hash").first()
    seq, head_hash = head if head else (0, GENESIS_HASH)
    fields = {
        "format": FORMAT,
        "seq": seq,
        "hash": head_hash,
        "published_at": format_instant(now or timezone.now()),
    }
    fields["signature"] = _signature(fields, checkpoint_key())
    stamp = fields["published_at"][:19].replace(":", "").replace("-", "")
    path = directory / f"checkpoint-{seq:012d}-{stamp}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(fields, indent=2) + "\n")
    temporary.rename(path)
    return path


@dataclass(frozen=True)
class CheckpointProblem:
    path: str
    reason: str


def verify_checkpoints(*, directory: Path) -> tuple[int, list[CheckpointProblem]]:
    """Check every checkpoint in DIRECTORY against the log; return (files checked, problems).

    A checkpoint fails when its signature is wrong, or the log no longer has an entry at its
    sequence number with its hash (entry changed and re-hashed, deleted and renumbered, or the
    log truncated). Reasons are plain English: operators read them.
    """
    key = checkpoint_key()
    problems: list[CheckpointProblem] = []
    paths = sorted(Path(directory).glob("checkpoint-*.json"))
    if not paths:
        return 0, [CheckpointProblem(str(directory), "no checkpoint files found")]
    max_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    for path in paths:
        try:
            fields = json.loads(path.read_text())
            seq, expected = int(fields["seq"]), str(fields["hash"])
            valid = hmac.compare_digest(str(fields["signature"]), _signature(fields, key))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(CheckpointProblem(path.name, f"unreadable checkpoint: {exc}"))
            continue
        if fields.get("format") != FORMAT or not valid:
            problems.append(CheckpointProblem(path.name, "signature does not match"))
            continue
        if seq == 0:
            continue  # published on an empty log: nothing to compare
        stored = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if stored is None:
            problems.append(
                CheckpointProblem(
                    path.name,
                    f"the log has no entry seq {seq} (it ends at seq {max_seq}): "
                    "entries were deleted or the log was truncated",
                )
            )
        elif stored != expected:
            problems.append(
                CheckpointProblem(
                    path.name,
                    f"entry seq {seq} has a different hash than at {fields['published_at']}: "
                    "the log up to that entry was rewritten",
                )
            )
    return len(paths), problems
