"""Backup → restore into a fresh database → verify (issue #17 §4), on PostgreSQL.

The backup runs in this process against the test database (committed data: the test is
transactional); each restore runs `manage.py restore` in a subprocess whose DATABASE_URL names a
new, empty database created for the test, as an operator would.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from digifys.audit import services as audit
from digifys.audit.models import AuditChainHead, AuditEvent
from digifys.residents.models import Resident
from digifys.synth.region import generate_region

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore"),
]

ROOT = Path(settings.BASE_DIR)


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _admin_sql(sql: str) -> None:
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def fresh_database():
    """Create empty databases on the test server on demand; drop them afterwards."""
    created = []

    def make() -> str:
        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"[:63]
        _admin_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield make
    for name in created:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(database: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DIGIFYS_DEMO": "1",
        "DIGIFYS_VAR_DIR": str(var_dir),
        "DATABASE_URL": _url(database),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _query(database: str, sql: str):
    with psycopg.connect(_url(database)) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def region(transactional_db):
    """A small synthetic region with access-log entries and an uploaded file, committed."""
    generate_region(seed=3, scale=10, history_days=5)
    residents = list(Resident.objects.order_by("pk")[:3])
    for resident in residents:
        audit.record(actor=None, action="read", resident=resident, object_type="resident")
    default_storage.save("consults/2026/11/photo.jpg", ContentFile(b"\xff\xd8 not really a jpeg"))
    return residents


@pytest.fixture
def backup_dir(region, tmp_path):
    directory = tmp_path / "backup"
    call_command("backup", str(directory))
    return directory


def test_backup_restore_verify_round_trip(backup_dir, fresh_database, tmp_path):
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    head = AuditChainHead.objects.get()
    assert manifest["audit_chain_head"] == {"last_seq": head.last_seq, "last_hash": head.last_hash}
    assert manifest["tables"]["residents_resident"] == Resident.objects.count() > 0
    assert manifest["tables"]["audit_auditevent"] == AuditEvent.objects.count() >= 3
    assert manifest["database"]["name"] == connection.settings_dict["NAME"]
    assert "audit.0004_refuse_truncate_postgresql" in manifest["migrations"]
    paths = [f["path"] for f in manifest["files"]["default"]["files"]]
    assert "consults/2026/11/photo.jpg" in paths

    target, var_dir = fresh_database(), tmp_path / "restored-var"
    restored = _manage(target, var_dir, "restore", str(backup_dir))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "counts equal the manifest" in restored.stdout
    assert f"chain head seq {head.last_seq} hash {head.last_hash} matches" in restored.stdout
    assert restored.stdout.strip().endswith("s.") and "OK: restored and verified" in restored.stdout

    verified = _manage(target, var_dir, "verify_audit_log")
    assert verified.returncode == 0, verified.stderr
    assert f"OK: {head.last_seq} entries verified" in verified.stdout

    # Checked here too, independently of the command's own report.
    assert _query(target, "SELECT last_seq, last_hash FROM audit_auditchainhead") == [
        (head.last_seq, head.last_hash)
    ]
    for table in ("residents_resident", "audit_auditevent", "careteams_carecontact"):
        assert _query(target, f"SELECT count(*) FROM {table}") == [(manifest["tables"][table],)]  # noqa: S608
    photo = var_dir / "media" / "consults/2026/11/photo.jpg"
    assert photo.read_bytes() == b"\xff\xd8 not really a jpeg"
    assert sorted(
        p.relative_to(var_dir / "media").as_posix() for p in (var_dir / "media").rglob("*.*")
    ) == sorted(paths)
    # The append-only trigger came back with the schema.
    with pytest.raises(psycopg.Error, match="append-only"):
        _query(target, "DELETE FROM audit_auditevent")


def test_a_changed_manifest_count_is_detected(backup_dir, fresh_database, tmp_path):
    path = backup_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tables"]["residents_resident"] += 1
    path.write_text(json.dumps(manifest))

    restored = _manage(fresh_database(), tmp_path / "var", "restore", str(backup_dir))
    assert restored.returncode == 1
    count = manifest["tables"]["residents_resident"]
    assert f"MISMATCH: table residents_resident: manifest {count}, restored {count - 1}" in (
        restored.stderr
    )
    assert "FAILED" in restored.stderr


def test_a_changed_chain_head_is_detected(backup_dir, fresh_database, tmp_path):
    path = backup_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["audit_chain_head"]["last_hash"] = "f" * 64
    path.write_text(json.dumps(manifest))

    restored = _manage(fresh_database(), tmp_path / "var", "restore", str(backup_dir))
    assert restored.returncode == 1
    assert "MISMATCH: access log chain head: manifest seq" in restored.stderr


def test_a_changed_dump_is_refused_before_anything_is_restored(
    backup_dir, fresh_database, tmp_path
):
    dump = backup_dir / "database.dump"
    data = bytearray(dump.read_bytes())
    data[-10] ^= 0xFF
    dump.write_bytes(bytes(data))
    target = fresh_database()

    restored = _manage(target, tmp_path / "var", "restore", str(backup_dir))
    assert restored.returncode == 1
    assert "does not match the manifest's checksum" in restored.stderr
    assert _query(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_restore_refuses_a_database_that_is_not_empty(backup_dir, tmp_path):
    before = AuditEvent.objects.count()
    restored = _manage(
        connection.settings_dict["NAME"], tmp_path / "var", "restore", str(backup_dir)
    )
    assert restored.returncode == 1
    assert "is not empty" in restored.stderr and "nothing was changed" in restored.stderr
    assert AuditEvent.objects.count() == before


def test_restore_refuses_a_storage_that_already_holds_files(backup_dir, fresh_database, tmp_path):
    var_dir = tmp_path / "var"
    (var_dir / "media").mkdir(parents=True)
    (var_dir / "media" / "other.txt").write_text("already here")
    target = fresh_database()

    restored = _manage(target, var_dir, "restore", str(backup_dir))
    assert restored.returncode == 1
    assert "already holds files" in restored.stderr
    assert _query(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


def test_backup_refuses_a_directory_that_is_not_empty(region, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", str(tmp_path / "old"))
