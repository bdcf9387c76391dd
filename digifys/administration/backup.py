"""Backup and restore of a digifys installation (issue #17 §4; docs/operations.md).

A backup is one directory:

- `database.dump`: `pg_dump --format=custom` of the database, taken in an exported snapshot;
- `files/<storage alias>/…`: every file of each local file-system storage in `STORAGES`
  (`default` is `MEDIA_ROOT`: consult photos, staff photos, clinicians' documents); `staticfiles`
  is left out, it is built from the code by `collectstatic`;
- `manifest.json`, written last: when and from which database it was made, the digifys version
  and the applied migrations, the row count of every table and the access log's chain head — all
  read in the same snapshot as the dump — and the size and SHA-256 of the dump and of every file.

`restore` loads a backup into an EMPTY database (it refuses anything else) and empty storage
directories, then checks the result against the manifest: every table's count, the chain head,
the access log's whole hash chain (the check `verify_audit_log` runs) and every file's checksum.
Messages are plain English: the commands are read by operators, not shown in the UI.

Only PostgreSQL is supported: the SQLite default is a single-machine demo (copy its file while
the server is stopped).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.core.files.storage import FileSystemStorage, storages
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from digifys.audit.checkpoints import verify_checkpoints
from digifys.audit.services import verify_chain

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
SKIPPED_STORAGES = frozenset({"staticfiles"})


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


# --- Helpers -----------------------------------------------------------------------------------


def _require_postgresql(alias: str) -> dict:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise BackupError(
            f"backup and restore require PostgreSQL; the database {alias!r} is "
            f"{connection.vendor}. (The SQLite demo database is one file: stop the server and "
            "copy it.)"
        )
    return connection.settings_dict


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """Environment for pg_dump/pg_restore naming the server and role of SETTINGS_DICT."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; install PostgreSQL's client programs "
            "(Debian: postgresql-client, of at least the server's major version)."
        )
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_storages() -> tuple[dict[str, Path], list[str]]:
    """Return ({alias: directory} of local file-system storages, [aliases that are not local])."""
    local, other = {}, []
    for alias in storages.backends:
        if alias in SKIPPED_STORAGES:
            continue
        storage = storages[alias]
        if isinstance(storage, FileSystemStorage):
            local[alias] = Path(storage.location)
        else:
            other.append(alias)
    return local, other


def _files_under(directory: Path) -> list[Path]:
    if not directory.exists():
        return []
    return sorted(path for path in directory.rglob("*") if path.is_file())


def _table_counts(cursor, connection) -> dict[str, int]:
    counts = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _chain_head(cursor) -> dict:
    cursor.execute("SELECT last_seq, last_hash FROM audit_auditchainhead ORDER BY id LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        return {"last_seq": 0, "last_hash": None}
    return {"last_seq": row[0], "last_hash": row[1]}


def _applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _version() -> str:
    try:
        return metadata.version("digifys")
    except metadata.PackageNotFoundError:
        return "unknown"


# --- Backup ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    directory: Path
    manifest: dict
    seconds: float
    bytes: int


def backup(directory: Path | str, *, alias: str = "default") -> BackupResult:
    """Write a backup of the database ALIAS and the file storages into DIRECTORY (new or empty)."""
    started = time.perf_counter()
    settings_dict = _require_postgresql(alias)
    pg_dump = _program("pg_dump")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty; give a new or empty directory.")
    local, other = _file_storages()
    if other:
        raise BackupError(
            "these file storages are not on the local file system and cannot be copied by this "
            f"command: {', '.join(other)}. Back them up with their provider's tools."
        )
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("backup must not run inside a database transaction.")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    dump_path = directory / DUMP

    # One snapshot for the dump, the counts and the chain head: pg_dump joins the exported
    # snapshot while this transaction stays open, so the manifest describes exactly the dump.
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_database(), now()")
        snapshot, database, snapshot_at = cursor.fetchone()
        counts = _table_counts(cursor, connection)
        head = _chain_head(cursor)
        migrations = _applied_migrations(cursor)
        result = subprocess.run(  # noqa: S603
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-password",
                f"--file={dump_path}",
                f"--dbname={database}",
            ],
            env=_pg_env(settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed (exit {result.returncode}): {result.stderr.strip()}")

    files = {}
    for storage_alias, root in sorted(local.items()):
        entries = []
        for source in _files_under(root):
            relative = source.relative_to(root)
            target = directory / FILES / storage_alias / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            entries.append(
                {
                    "path": relative.as_posix(),
                    "bytes": target.stat().st_size,
                    "sha256": _sha256(target),
                }
            )
        files[storage_alias] = {"location": str(root), "files": entries}

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "snapshot_at": snapshot_at.astimezone(datetime.UTC).isoformat(),
        "database": {
            "name": database,
            "host": settings_dict.get("HOST") or "",
            "dump": DUMP,
            "bytes": dump_path.stat().st_size,
            "sha256": _sha256(dump_path),
        },
        "digifys_version": _version(),
        "migrations": migrations,
        "tables": counts,
        "audit_chain_head": head,
        "files": files,
    }
    tmp = directory / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.rename(directory / MANIFEST)
    size = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())
    return BackupResult(directory, manifest, time.perf_counter() - started, size)


# --- Restore -----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self, text: str) -> None:
        self.lines.append(text)

    def problem(self, text: str) -> None:
        self.problems.append(text)


def read_manifest(directory: Path | str) -> dict:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{path} is missing: not a complete backup.") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a digifys backup manifest (format {FORMAT_VERSION}).")
    return manifest


def _user_relations(cursor) -> int:
    cursor.execute(
        """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
        """
    )
    return cursor.fetchone()[0]


def _check_targets(manifest: dict, alias: str) -> dict[str, Path]:
    """Refuse unless the database and every storage directory to restore into are empty."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        relations = _user_relations(cursor)
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
    if relations:
        raise BackupError(
            f"the database {database!r} is not empty ({relations} tables, views or sequences). "
            "Restore only into a new, empty database (createdb, then restore); nothing was "
            "changed."
        )
    local, _other = _file_storages()
    targets = {}
    for storage_alias in manifest.get("files", {}):
        if storage_alias not in local:
            raise BackupError(
                f"the backup holds files of storage {storage_alias!r}, which is not a local "
                "file-system storage here; nothing was changed."
            )
        root = local[storage_alias]
        if _files_under(root):
            raise BackupError(
                f"the directory of storage {storage_alias!r} ({root}) already holds files; "
                "restore into an empty one. Nothing was changed."
            )
        targets[storage_alias] = root
    return targets


def restore(
    directory: Path | str, *, alias: str = "default", jobs: int = 1, checkpoints: str | None = None
) -> RestoreReport:
    """Restore the backup in DIRECTORY into the empty database ALIAS, then verify it.

    Raises BackupError when nothing could be restored (the database is not empty, the backup is
    incomplete or its dump does not match the manifest); returns the report otherwise, with
    `problems` when the restored data does not match the manifest.
    """
    started = time.perf_counter()
    settings_dict = _require_postgresql(alias)
    pg_restore = _program("pg_restore")
    directory = Path(directory)
    manifest = read_manifest(directory)
    dump_path = directory / manifest["database"]["dump"]
    if not dump_path.is_file():
        raise BackupError(f"{dump_path} is missing: not a complete backup.")
    if _sha256(dump_path) != manifest["database"]["sha256"]:
        raise BackupError(
            f"{dump_path} does not match the manifest's checksum: the dump was changed or is "
            "damaged. Nothing was restored."
        )
    targets = _check_targets(manifest, alias)
    report = RestoreReport()
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
    report.line(
        f"Backup of {manifest['database']['name']!r} made {manifest['created_at']} "
        f"(digifys {manifest['digifys_version']}) restored into {database!r}."
    )

    command = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--no-password",
        f"--dbname={database}",
    ]
    command += [f"--jobs={jobs}"] if jobs > 1 else ["--single-transaction"]
    connection.close()
    db_started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [*command, str(dump_path)],
        env=_pg_env(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {result.returncode}): {result.stderr.strip()}. Drop and "
            "create the database again before the next attempt."
        )
    report.line(f"Database: pg_restore finished in {time.perf_counter() - db_started:.1f} s.")

    for storage_alias, root in targets.items():
        entries = manifest["files"][storage_alias]["files"]
        total = 0
        for entry in entries:
            source = directory / FILES / storage_alias / entry["path"]
            target = root / entry["path"]
            if not source.is_file():
                report.problem(f"file missing from the backup: {storage_alias}/{entry['path']}")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            total += entry["bytes"]
            if _sha256(target) != entry["sha256"]:
                report.problem(f"file checksum differs: {storage_alias}/{entry['path']}")
        report.line(f"Files: {storage_alias}: {len(entries)} files, {total:,} bytes to {root}.")

    _verify(manifest, alias, report, checkpoints=checkpoints)
    report.seconds = time.perf_counter() - started
    return report


def _verify(manifest: dict, alias: str, report: RestoreReport, *, checkpoints: str | None) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = _table_counts(cursor, connection)
        head = _chain_head(cursor)
        migrations = _applied_migrations(cursor)

    expected = manifest["tables"]
    bad_tables = 0
    for table in sorted(set(expected) | set(counts)):
        want, got = expected.get(table), counts.get(table)
        if want != got:
            bad_tables += 1
            report.problem(
                f"table {table}: manifest {'absent' if want is None else want}, restored "
                f"{'absent' if got is None else got}"
            )
    rows = sum(counts.values())
    if bad_tables == 0:
        report.line(f"Tables: all {len(counts)} counts equal the manifest ({rows:,} rows).")

    want_head = manifest["audit_chain_head"]
    if head == want_head:
        report.line(
            f"Access log: chain head seq {head['last_seq']} hash {head['last_hash']} matches the "
            "manifest."
        )
    else:
        report.problem(
            f"access log chain head: manifest seq {want_head['last_seq']} hash "
            f"{want_head['last_hash']}, restored seq {head['last_seq']} hash {head['last_hash']}"
        )

    chain = verify_chain()
    if chain.ok:
        report.line(
            f"Access log: {chain.checked} entries verified (the check of verify_audit_log); "
            f"last hash {chain.last_hash}."
        )
        if head["last_hash"] is not None and chain.last_hash != head["last_hash"]:
            report.problem("access log: the verified chain does not end at the chain head")
    else:
        report.problem(
            f"access log TAMPERED: first bad entry seq={chain.first_bad_seq} ({chain.reason})"
        )
    if checkpoints:
        count, problems = verify_checkpoints(directory=checkpoints)
        for problem in problems:
            report.problem(f"access log checkpoint {problem.path}: {problem.reason}")
        if not problems:
            report.line(f"Access log: {count} checkpoints match the restored log.")

    if migrations != manifest["migrations"]:
        report.problem("the restored migration history differs from the manifest")
    else:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            report.line(
                f"Migrations: {len(pending)} migrations of this code are not applied yet "
                "(the backup is older than the code): run `manage.py migrate`."
            )
        else:
            report.line(f"Migrations: {len(migrations)} applied, none pending for this code.")
