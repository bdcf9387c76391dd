"""Bulk data `$export` (FHIR Bulk Data Access IG): kick-off, status polling, files, cancel.

Rules enforced here:

- `GET $export` (system level) and `GET Group/<id>/$export` need `Prefer: respond-async`; they
  answer 202 with the status URL in `Content-Location`. The task worker (tasks.run_bulk_export)
  writes one NDJSON file per resource type. Polling the status URL answers 202 with
  `X-Progress` until the files are written, then 200 with the manifest. DELETE on the status URL
  cancels the export (or, once done, removes its files).
- Everything is fetched as the client's user, through the same policy-filtered rows as reads and
  searches (`visible_to(user)`), for the types the client's scopes and its user's role may
  read. Status, manifest and files are the exporting client's only: any other token gets 404.
- `_type` (comma-separated) chooses types; a type the API cannot export or the client may not
  read is refused (400/403) naming it. `_since` keeps resources recorded at or after that
  instant; only types with a recording time (`SINCE`) can be filtered by it.
- A Group is an organisation unit (or a nursing home): its members are the residents of the
  unit (or of the home's units).
- The access log gets one entry for the export itself (no resident: who, which client, what)
  and one "read" entry per resident whose data was written, as an API read of them would.
"""

import datetime
import json

from django.db import transaction
from django.utils.translation import gettext as _

from digifys.directory.models import Organisation

from . import auth, bulk_files, handlers, search, tasks
from .bulk_files import TYPES, readable
from .context import Context, Raw, Result
from .errors import FhirError, outcome
from .models import BulkExport

NDJSON = "application/fhir+ndjson"
FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")


def _types(ctx: Context, params, since) -> list[str]:
    value = search.single(params, "_type")
    if value is None:
        return [
            t for t in TYPES if readable(ctx.client, t) and (since is None or t in bulk_files.SINCE)
        ] or _refuse_none()
    wanted = []
    for name in value.split(","):
        name = name.strip()
        if name not in TYPES:
            raise FhirError(
                400,
                "not-supported",
                _("%(type)s cannot be exported; the types are: %(types)s.")
                % {"type": name[:64], "types": ", ".join(TYPES)},
                expression=["_type"],
            )
        if not readable(ctx.client, name):
            raise FhirError(
                403,
                "forbidden",
                _("This API client may not read %(type)s.") % {"type": name},
                expression=["_type"],
            )
        if since is not None and name not in bulk_files.SINCE:
            raise FhirError(
                400,
                "not-supported",
                _("_since cannot filter %(type)s; it filters: %(types)s.")
                % {"type": name, "types": ", ".join(bulk_files.SINCE)},
                expression=["_since"],
            )
        if name not in wanted:
            wanted.append(name)
    return wanted


def _refuse_none():
    raise FhirError(403, "forbidden", _("This API client may not read any exportable type."))


def _since(params) -> datetime.datetime | None:
    value = search.single(params, "_since")
    if value is None:
        return None
    if value[:2].isalpha():
        raise search.bad(_("_since takes an instant such as 2026-12-01T00:00:00Z."), "_since")
    _prefix, start, _end = search.date_range(value, "_since")
    return start


def _kickoff(ctx: Context, group: Organisation | None) -> Result:
    if "respond-async" not in ctx.request.headers.get("Prefer", ""):
        raise FhirError(
            400,
            "invalid",
            _("A bulk export needs the header Prefer: respond-async."),
            expression=["Prefer"],
        )
    params = ctx.request.GET
    output_format = search.single(params, "_outputFormat")
    if output_format is not None and output_format not in FORMATS:
        raise search.bad(_("_outputFormat is application/fhir+ndjson."), "_outputFormat")
    since = _since(params)
    types = _types(ctx, params, since)
    export = BulkExport.objects.create(
        client=auth.api_client(ctx.client),
        request_url=ctx.request.build_absolute_uri()[:2000],
        types=types,
        since=since,
        group=group,
    )
    transaction.on_commit(lambda: tasks.run_bulk_export.enqueue(export_id=export.pk))
    status_url = f"{ctx.base}/$export-poll-status/{export.pk}"
    body = outcome(
        [("informational", _("The export has started: poll the Content-Location URL."), [])],
        severity="information",
    )
    return Result(202, body, {"Content-Location": status_url})


def export_system(ctx: Context) -> Result:
    """GET $export: every resource the client may read."""
    return _kickoff(ctx, None)


def export_group(ctx: Context, id: str) -> Result:
    """GET Group/<id>/$export: the resources of the residents of one unit or home."""
    group = (
        Organisation.objects.filter(
            pk__in=handlers._digits([id]),
            kind__in=[Organisation.Kind.UNIT, Organisation.Kind.NURSING_HOME],
        )
        .only("pk")
        .first()
    )
    if group is None:
        raise handlers._not_found("Group", id)
    return _kickoff(ctx, group)


def _own(ctx: Context, id: str) -> BulkExport:
    export = BulkExport.objects.filter(
        client=auth.api_client(ctx.client), pk__in=handlers._digits([id])
    ).first()
    if export is None:
        raise handlers._not_found("$export", id)
    return export


def export_status(ctx: Context, id: str) -> Result:
    """GET the status URL: 202 with X-Progress while running, 200 with the manifest when done."""
    export = _own(ctx, id)
    if export.status == BulkExport.Status.FAILED:
        raise FhirError(500, "exception", _("The export failed: %(e)s") % {"e": export.error})
    if export.status != BulkExport.Status.DONE:
        progress = export.progress or export.get_status_display()
        return Result(
            202,
            outcome([("informational", str(progress), [])], severity="information"),
            {"X-Progress": str(progress)[:100], "Retry-After": "2"},
        )
    manifest = {
        "transactionTime": export.created_at.isoformat(),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": file.resource_type,
                "url": f"{ctx.base}/$export-file/{export.pk}/{file.resource_type}",
                "count": file.count,
            }
            for file in export.files.only("resource_type", "count")
        ],
        "error": [],
    }
    return Result(200, Raw(json.dumps(manifest).encode(), "application/json"), {})


def export_cancel(ctx: Context, id: str) -> Result:
    """DELETE the status URL: cancel the export, or remove the files of a finished one."""
    export = _own(ctx, id)
    export.delete()
    return Result(
        202,
        outcome(
            [("informational", _("The export is cancelled and its files deleted."), [])],
            severity="information",
        ),
    )


def export_file(ctx: Context, id: str, type: str) -> Result:
    """GET one NDJSON file of a finished export (the exporting client's token only)."""
    export = _own(ctx, id)
    file = export.files.filter(resource_type=type).first()
    if file is None or export.status != BulkExport.Status.DONE:
        raise handlers._not_found("$export-file", f"{id}/{type}")
    return Result(200, Raw(file.content.encode(), NDJSON), {})
