"""System health for the administrator: each check answers ok / problem with a short detail.

Every check is cheap enough for a page view (no full scan of the access log: its chain is
verified on demand, `verify_audit_log`, and the page reports the newest signed checkpoint's age).
"""

import datetime
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from digifys.audit import checkpoints

# A task that should have run this long ago but still waits means no worker is taking tasks.
WORKER_LATE = datetime.timedelta(minutes=5)
# A signed checkpoint older than this means the cron job that publishes them has stopped.
CHECKPOINT_STALE = datetime.timedelta(days=2)
DISK_LOW_FRACTION = 0.10


@dataclass(frozen=True)
class Check:
    key: str
    name: str
    ok: bool
    detail: str


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return Check("database", _("Database"), False, str(error)[:200])
    return Check("database", _("Database"), True, connection.vendor)


def channel_layer() -> Check:
    """Redis (the channel layer between the web server and the task worker), if configured."""
    name = _("Live updates (channel layer)")
    if not settings.REDIS_URL:
        return Check(
            "channel_layer",
            name,
            True,
            _("In-process channel layer: no Redis configured (one server process only)."),
        )
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        client.ping()
        client.close()
    except redis.RedisError as error:
        return Check("channel_layer", name, False, _("Redis does not answer: %s") % error)
    return Check("channel_layer", name, True, _("Redis answers."))


def task_worker(now=None) -> Check:
    """Is a worker taking tasks? The oldest due task still waiting, and the last finished one."""
    now = now or timezone.now()
    name = _("Task worker")
    results = DBTaskResult.objects.all()
    last = results.filter(finished_at__isnull=False).order_by("-finished_at").first()
    late = results.filter(status="READY", run_after__lt=now - WORKER_LATE).order_by("run_after")
    oldest = late.first()
    if last is None:
        finished = _("No task has finished yet.")
    else:
        finished = _("Last finished task: %(when)s.") % {
            "when": timezone.localtime(last.finished_at).strftime("%Y-%m-%d %H:%M")
        }
    if oldest is not None:
        minutes = int((now - oldest.run_after).total_seconds() // 60)
        return Check(
            "task_worker",
            name,
            False,
            _("A task has waited %(minutes)d minutes past its time: is the worker running?")
            % {"minutes": minutes}
            + " "
            + finished,
        )
    return Check("task_worker", name, True, finished)


def newest_checkpoint(directory: Path | None = None) -> dict | None:
    directory = Path(directory or checkpoints.checkpoint_dir())
    if not directory.is_dir():
        return None
    files = sorted(directory.glob("checkpoint-*.json"))
    if not files:
        return None
    try:
        data = json.loads(files[-1].read_text())
        published = datetime.datetime.fromisoformat(data["published_at"].replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError):
        return None
    return {"seq": data.get("seq"), "published_at": published, "count": len(files)}


def audit_checkpoint(now=None) -> Check:
    now = now or timezone.now()
    name = _("Access log checkpoints")
    newest = newest_checkpoint()
    if newest is None:
        return Check(
            "audit",
            name,
            False,
            _("No signed checkpoint of the access log yet: schedule publish_audit_checkpoint."),
        )
    age = now - newest["published_at"]
    hours = int(age.total_seconds() // 3600)
    detail = _("Newest checkpoint: entry %(seq)s, %(hours)d hours old (%(count)d files).") % {
        "seq": newest["seq"],
        "hours": hours,
        "count": newest["count"],
    }
    return Check("audit", name, age <= CHECKPOINT_STALE, detail)


def migrations() -> Check:
    name = _("Database migrations")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return Check(
            "migrations",
            name,
            False,
            _("%(count)d migrations not applied: run manage.py migrate.") % {"count": len(pending)},
        )
    return Check("migrations", name, True, _("All applied."))


def media_disk() -> Check:
    name = _("Disk space for uploaded files")
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free = usage.free / usage.total if usage.total else 0
    detail = _("%(free).1f GB free of %(total).1f GB.") % {
        "free": usage.free / 1e9,
        "total": usage.total / 1e9,
    }
    return Check("media", name, free >= DISK_LOW_FRACTION, detail)


def all_checks() -> list[Check]:
    return [
        database(),
        channel_layer(),
        task_worker(),
        audit_checkpoint(),
        migrations(),
        media_disk(),
    ]
