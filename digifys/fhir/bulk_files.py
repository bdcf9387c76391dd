"""The worker's part of a bulk data export (bulk.py): the NDJSON files, written as the client's
user through the policy-filtered rows, and the access-log entries of the export."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from digifys.audit import services as audit
from digifys.residents.models import Resident
from digifys.vitals.models import Observation

from . import auth, handlers, kinds
from .context import Context, log_read
from .mappers import observation as observation_mapper
from .mappers import patient as patient_mapper
from .models import BulkExport, BulkExportFile
from .resources import KINDS

KIND_BY_TYPE = {kind.resource: kind for kind in KINDS if kind.resource != "AuditEvent"}
TYPES = ("Patient", "Observation", *KIND_BY_TYPE)
# The field that says when a row was recorded, for `_since`.
SINCE = {"Observation": "recorded_at"}
BATCH = 500


def _roles(resource_type: str) -> tuple:
    if resource_type == "Patient":
        return handlers.STAFF
    if resource_type == "Observation":
        return handlers.CLINICAL
    return KIND_BY_TYPE[resource_type].roles


def readable(client, resource_type: str) -> bool:
    return auth.allows(client.scope_set, resource_type, "read") and getattr(
        client.user, "role", None
    ) in _roles(resource_type)


def _member_filter(group_id: int | None, field: str) -> Q:
    if group_id is None:
        return Q()
    return Q(**{f"{field}unit_id": group_id}) | Q(**{f"{field}unit__parent_id": group_id})


def _patients(ctx, export) -> tuple[list[str], list]:
    rows = (
        Resident.objects.visible_to(ctx.user)
        .filter(_member_filter(export.group_id, ""))
        .select_related("unit")
        .order_by("pk")
    )
    lines, residents = [], []
    for resident in rows.iterator(chunk_size=BATCH):
        lines.append(patient_mapper.to_fhir(resident).model_dump_json(exclude_none=True))
        residents.append(resident)
    return lines, residents


def _observations(ctx, export) -> tuple[list[str], list]:
    sets = (
        Observation.objects.visible_to(ctx.user)
        .filter(_member_filter(export.group_id, "resident__"))
        .select_related("resident")
        .prefetch_related("fhir_identifiers")
        .order_by("pk")
    )
    if export.since is not None:
        sets = sets.filter(recorded_at__gte=export.since)
    lines, residents = [], []
    for vitals in sets.iterator(chunk_size=BATCH):
        identifiers = vitals.fhir_identifiers.all()
        for part in observation_mapper.parts(vitals):
            resource = observation_mapper.to_fhir(vitals, part, identifiers)
            lines.append(resource.model_dump_json(exclude_none=True))
        residents.append(vitals.resident)
    return lines, residents


def _kind_rows(ctx, export, kind: kinds.Kind) -> tuple[list[str], list]:
    allowed = None
    if export.group_id is not None:
        allowed = set(
            Resident.objects.filter(_member_filter(export.group_id, "")).values_list(
                "pk", flat=True
            )
        )
    lines, residents = [], []
    for row in kind.rows(ctx.user).order_by("pk"):
        resident = kind.resident(row) if kind.resident else None
        if allowed is not None and (resident is None or resident.pk not in allowed):
            continue
        resource = kinds._versions(kind, row)[-1]
        lines.append(resource.model_dump_json(exclude_none=True))
        if resident is not None and kind.log_type is not None:
            residents.append(resident)
    return lines, residents


def run_export(*, export_id: int) -> str:
    """Write the export's files as its client's user; log the reads; return its status."""
    export = BulkExport.objects.select_related("client__user").filter(pk=export_id).first()
    if export is None:
        return "cancelled"
    if export.status != BulkExport.Status.QUEUED:
        return export.status
    BulkExport.objects.filter(pk=export.pk).update(status=BulkExport.Status.RUNNING)
    ctx = Context(request=None, client=export.client, base="")
    everyone: dict[int, Resident] = {}
    try:
        for number, resource_type in enumerate(export.types, start=1):
            if not readable(export.client, resource_type):
                continue  # scopes or role changed since the kick-off
            if resource_type == "Patient":
                lines, residents = _patients(ctx, export)
            elif resource_type == "Observation":
                lines, residents = _observations(ctx, export)
            else:
                lines, residents = _kind_rows(ctx, export, KIND_BY_TYPE[resource_type])
            if not BulkExport.objects.filter(pk=export.pk).exists():
                return "cancelled"
            BulkExportFile.objects.create(
                export=export,
                resource_type=resource_type,
                count=len(lines),
                content="".join(line + "\n" for line in lines),
            )
            everyone.update({r.pk: r for r in residents})
            BulkExport.objects.filter(pk=export.pk).update(
                progress=f"{number}/{len(export.types)} ({resource_type})"
            )
    except Exception as error:
        BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExport.Status.FAILED, error=f"{error.__class__.__name__}"[:500]
        )
        raise
    with transaction.atomic():
        details = {
            "api_client": export.client.pk,
            "api_client_name": export.client.name,
            "bulk_export": export.pk,
        }
        audit.record(
            actor=export.client.user,
            action=audit.Action.READ,
            object_type="fhir_bulk_export",
            object_id=export.pk,
            purpose=audit.Purpose.ADMINISTRATION,
            details={**details, "types": export.types, "residents": len(everyone)},
        )
        log_read(ctx, list(everyone.values()), "fhir_bulk_export")
        updated = BulkExport.objects.filter(pk=export.pk).update(
            status=BulkExport.Status.DONE, finished_at=timezone.now(), progress=""
        )
    return BulkExport.Status.DONE if updated else "cancelled"
