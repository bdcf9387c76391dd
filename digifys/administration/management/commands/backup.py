"""`manage.py backup DIR`: dump the database and the uploaded files into DIR with a manifest."""

from django.core.management.base import BaseCommand, CommandError

from digifys.administration.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format) and the uploaded files into a "
        "new or empty directory, with manifest.json (table counts, the access log's chain head)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="A new or empty directory for the backup.")
        parser.add_argument("--database", default="default", help="Database alias (default).")

    def handle(self, *args, directory: str, database: str, **options):
        try:
            result = backup(directory, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        head = manifest["audit_chain_head"]
        files = sum(len(storage["files"]) for storage in manifest["files"].values())
        self.stdout.write(
            f"OK: backup of {manifest['database']['name']!r} written to {result.directory} in "
            f"{result.seconds:.1f} s ({result.bytes:,} bytes)\n"
            f"  tables: {len(manifest['tables'])}, rows: {sum(manifest['tables'].values()):,}\n"
            f"  access log chain head: seq {head['last_seq']} hash {head['last_hash']}\n"
            f"  files: {files}"
        )
