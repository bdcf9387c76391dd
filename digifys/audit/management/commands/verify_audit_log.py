"""Check the access log's hash chain; exit 1 when an entry was changed, deleted or inserted."""

import time

from django.core.management.base import BaseCommand

from digifys.audit.checkpoints import verify_checkpoints
from digifys.audit.services import verify_chain


class Command(BaseCommand):
    # The check must run even when an unrelated setting fails the system checks.
    requires_system_checks: list = []
    help = "Verify the access log's hash chain. Exits 1 and names the first bad entry if tampered."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=10_000, help="Entries read per query."
        )
        parser.add_argument(
            "--checkpoints",
            metavar="DIR",
            help="Also check the log against the signed checkpoints in DIR "
            "(see publish_audit_checkpoint).",
        )

    def handle(self, *args, batch_size: int, checkpoints: str | None, **options):
        start = time.perf_counter()
        result = verify_chain(batch_size=batch_size)
        seconds = time.perf_counter() - start
        if not result.ok:
            self.stderr.write(
                f"TAMPERED: first bad entry seq={result.first_bad_seq} ({result.reason})"
            )
            raise SystemExit(1)
        if checkpoints:
            count, problems = verify_checkpoints(directory=checkpoints)
            if problems:
                for problem in problems:
                    self.stderr.write(f"TAMPERED: checkpoint {problem.path} ({problem.reason})")
                raise SystemExit(1)
        self.stdout.write(
            f"OK: {result.checked} entries verified in {seconds:.1f} s; "
            f"last hash {result.last_hash}"
        )
        if checkpoints:
            self.stdout.write(f"OK: {count} checkpoints match the log")
