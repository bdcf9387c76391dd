"""`manage.py restore DIR`: restore a backup into an empty database and verify it."""

from django.core.management.base import BaseCommand, CommandError

from digifys.administration.backup import BackupError, restore


class Command(BaseCommand):
    # An empty database fails no system check, but the restore must not depend on them.
    requires_system_checks: list = []
    help = (
        "Restore a backup made by `backup` into an EMPTY database and empty file storages, then "
        "check it: table counts and the access log's chain head against the manifest, the "
        "whole hash chain (as verify_audit_log) and every file's checksum. Exits 1 on a mismatch."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="The backup directory (with manifest.json).")
        parser.add_argument("--database", default="default", help="Database alias (default).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Parallel pg_restore jobs (default 1: one transaction, nothing left half-done).",
        )
        parser.add_argument(
            "--checkpoints",
            metavar="DIR",
            help="Also check the restored log against the signed checkpoints in DIR.",
        )

    def handle(self, *args, directory: str, database: str, jobs: int, checkpoints, **options):
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        try:
            report = restore(directory, alias=database, jobs=jobs, checkpoints=checkpoints)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"MISMATCH: {problem}")
            self.stderr.write(
                f"FAILED: the restored data does not match the backup's manifest "
                f"({len(report.problems)} problems)."
            )
            raise SystemExit(1)
        self.stdout.write(f"OK: restored and verified in {report.seconds:.1f} s.")
