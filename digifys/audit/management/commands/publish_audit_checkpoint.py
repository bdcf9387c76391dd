"""Write a signed checkpoint of the access log's chain head (run from cron every few minutes)."""

from django.core.management.base import BaseCommand

from digifys.audit.checkpoints import publish_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the access log's chain head to AUDIT_CHECKPOINT_DIR "
        "(or --dir)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Directory to write to (default AUDIT_CHECKPOINT_DIR).")

    def handle(self, *args, dir: str | None, **options):
        path = publish_checkpoint(directory=dir)
        self.stdout.write(f"Checkpoint written: {path}")
