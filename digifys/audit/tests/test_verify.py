import io

import pytest
from django.core.management import call_command

from digifys.audit import services
from digifys.audit.models import AuditChainHead, AuditEvent

from .helpers import change_entry, delete_entry, insert_copy, raw_cursor


@pytest.fixture
def log(world):
    """Ten genuine entries."""
    for i in range(10):
        services.record(
            actor=world.nurse_mala,
            action="read",
            resident=world.resident_mala if i % 2 else world.resident_mala_2,
            object_type="resident",
            details={"i": i},
        )
    return AuditEvent.objects.order_by("seq")


def _verify() -> tuple[int, str, str]:
    """Run the command; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_log", stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_a_clean_log_verifies(log):
    code, out, err = _verify()
    assert code == 0
    assert out.startswith("OK: 10 entries verified")
    assert AuditChainHead.objects.get().last_hash in out
    assert err == ""


def test_an_empty_log_verifies(db):
    code, out, _ = _verify()
    assert code == 0
    assert out.startswith("OK: 0 entries verified")


def test_small_batches_verify_the_same(log):
    result = services.verify_chain(batch_size=3)
    assert (result.ok, result.checked) == (True, 10)


def test_a_changed_entry_is_found(log):
    change_entry(4, "Mallory")
    code, out, err = _verify()
    assert code == 1
    assert out == ""
    assert err.startswith("TAMPERED: first bad entry seq=4 (")
    assert "hash does not match" in err


def test_a_changed_hash_is_found_at_the_next_link(log):
    with raw_cursor() as c:
        c.execute("UPDATE audit_auditevent SET hash = %s WHERE seq = 6", ["f" * 64])
    result = services.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 6)


def test_a_deleted_entry_is_found(log):
    delete_entry(5)
    code, _, err = _verify()
    assert code == 1
    assert "TAMPERED: first bad entry seq=5 (entry missing" in err


def test_a_deleted_last_entry_is_found_through_the_chain_head(log):
    delete_entry(10)
    code, _, err = _verify()
    assert code == 1
    assert "TAMPERED: first bad entry seq=10 (entries 10–10 are missing" in err


def test_an_entry_appended_behind_the_applications_back_is_found(log):
    last = log.last()
    forged = AuditEvent(**{f.attname: getattr(last, f.attname) for f in AuditEvent._meta.fields})
    forged.seq, forged.prev_hash = 11, last.hash
    forged.hash = forged.compute_hash()  # a perfect forgery, except for the chain head
    insert_copy(of_seq=10, seq=11, prev_hash=forged.prev_hash, hash=forged.hash)
    code, _, err = _verify()
    assert code == 1
    assert (
        "TAMPERED: first bad entry seq=11 (entries after seq 10 are not in the chain head)" in err
    )


def test_an_entry_inserted_before_the_first_is_found(log):
    insert_copy(of_seq=1, seq=0, prev_hash="0" * 64, hash="0" * 64)
    code, _, err = _verify()
    assert code == 1
    assert "TAMPERED: first bad entry seq=0 (unexpected seq 0" in err


def test_an_inserted_entry_with_a_broken_link_is_found(log):
    insert_copy(of_seq=3, seq=11, prev_hash="a" * 64, hash="b" * 64)
    AuditChainHead.objects.update(last_seq=11, last_hash="b" * 64)
    result = services.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 11)
    assert "prev_hash" in result.reason


def test_a_missing_chain_head_is_found(log):
    AuditChainHead.objects.all().delete()
    result = services.verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 10)


def test_entries_appended_during_verification_are_checked_too(log, world, monkeypatch):
    batches = services._raw_batches
    appended = []

    def batches_then_append(after, batch_size):
        yield from batches(after, batch_size)
        if not appended:
            appended.append(
                services.record(actor=world.nurse_mala, action="read", object_type="resident")
            )

    monkeypatch.setattr(services, "_raw_batches", batches_then_append)
    result = services.verify_chain()
    assert (result.ok, result.checked) == (True, 11)
