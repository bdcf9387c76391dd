"""Signed checkpoints anchor the chain outside the database (issue #20 item 9).

Each attack rewrites the log so that the hash chain alone verifies again; the checkpoints
published before the attack must still catch it.
"""

import io
import json

import pytest
from django.core.management import call_command

from digifys.audit import services
from digifys.audit.chain import GENESIS_HASH
from digifys.audit.checkpoints import publish_checkpoint
from digifys.audit.models import AuditChainHead, AuditEvent

from .helpers import change_entry, delete_entry, raw_cursor


@pytest.fixture
def log(world):
    """Ten genuine entries."""
    for i in range(10):
        services.record(
            actor=world.nurse_mala,
            action="read",
            resident=world.resident_mala,
            object_type="resident",
            details={"i": i},
        )


@pytest.fixture
def checkpoints(log, tmp_path):
    """A checkpoint after entry 7 and one after entry 10 (the current head)."""
    directory = tmp_path / "checkpoints"
    with raw_cursor() as cursor:  # pretend the head stood at 7 when the first one was written
        cursor.execute("SELECT hash FROM audit_auditevent WHERE seq = 7")
        (hash7,) = cursor.fetchone()
    head = AuditChainHead.objects.get()
    saved = head.last_seq, head.last_hash
    AuditChainHead.objects.update(last_seq=7, last_hash=hash7)
    publish_checkpoint(directory=directory)
    AuditChainHead.objects.update(last_seq=saved[0], last_hash=saved[1])
    publish_checkpoint(directory=directory)
    return directory


def _verify(directory) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_log", checkpoints=str(directory), stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _rehash_from(seq: int) -> None:
    """Recompute every hash from SEQ on and move the head: what an attacker with SQL access does."""
    previous = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
    prev_hash = previous or GENESIS_HASH
    last = seq - 1
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev_hash
        prev_hash = event.compute_hash()
        with raw_cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE seq = %s",
                [event.prev_hash, prev_hash, event.seq],
            )
        last = event.seq
    AuditChainHead.objects.update(last_seq=last, last_hash=prev_hash)
    assert services.verify_chain().ok, "the attack must leave a consistent chain"


def test_an_untouched_log_passes(checkpoints):
    code, out, err = _verify(checkpoints)
    assert (code, err) == (0, "")
    assert "OK: 2 checkpoints match the log" in out


def test_entries_appended_after_a_checkpoint_pass(checkpoints, world):
    services.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )
    assert _verify(checkpoints)[0] == 0


def test_a_consistently_rehashed_change_is_found(checkpoints):
    change_entry(4, "Mallory")
    _rehash_from(4)
    code, _, err = _verify(checkpoints)
    assert code == 1
    assert err.count("TAMPERED: checkpoint") == 2
    assert "entry seq 7 has a different hash" in err


def test_a_renumbered_deletion_is_found(checkpoints):
    delete_entry(5)
    for seq in range(6, 11):
        with raw_cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [seq - 1, seq])
    _rehash_from(5)
    code, _, err = _verify(checkpoints)
    assert code == 1
    assert "entry seq 7 has a different hash" in err
    assert "the log has no entry seq 10 (it ends at seq 9)" in err


def test_a_truncation_with_an_updated_head_is_found(checkpoints):
    for seq in (8, 9, 10):
        delete_entry(seq)
    hash7 = AuditEvent.objects.get(seq=7).hash
    AuditChainHead.objects.update(last_seq=7, last_hash=hash7)
    assert services.verify_chain().ok
    code, _, err = _verify(checkpoints)
    assert code == 1
    assert "the log has no entry seq 10" in err
    assert "checkpoint-000000000007" not in err


def test_a_forged_checkpoint_is_refused(checkpoints):
    path = sorted(checkpoints.glob("*.json"))[-1]
    fields = json.loads(path.read_text())
    fields["seq"] = 3
    path.write_text(json.dumps(fields))
    code, _, err = _verify(checkpoints)
    assert code == 1
    assert "signature does not match" in err


def test_no_checkpoints_is_a_failure(log, tmp_path):
    assert _verify(tmp_path)[0] == 1


def test_the_command_writes_a_signed_file(log, tmp_path):
    out = io.StringIO()
    call_command("publish_audit_checkpoint", dir=str(tmp_path), stdout=out)
    (path,) = tmp_path.glob("checkpoint-*.json")
    fields = json.loads(path.read_text())
    assert fields["seq"] == 10
    assert fields["hash"] == AuditChainHead.objects.get().last_hash
    assert set(fields) == {"format", "seq", "hash", "published_at", "signature"}
    assert str(path) in out.getvalue()
