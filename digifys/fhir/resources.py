"""The resources served through `kinds` (one row each): who may read them, the rows the policy
gives a user, the mapper, the search parameters and, where digifys keeps it, the history.

Rows are always fetched through the domain's `visible_to(user)`, the filter the pages use.
"""

from django.db.models import Q

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.careteams.models import CareContact
from digifys.consults.models import ConsultMessage
from digifys.directory.models import Organisation, StaffProfile
from digifys.orders.models import NurseTask, Order
from digifys.relatives.models import Consent
from digifys.residents.models import Relative, Resident
from digifys.scheduling.models import Booking

from . import codes, search
from .kinds import Kind, Param, date, ids_param, reference, token
from .mappers import (
    appointment,
    auditevent,
    communication,
    consent,
    encounter,
    location,
    relatedperson,
    schedule,
    servicerequest,
    task,
)

CLINICAL = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
STAFF = (*CLINICAL, Role.COORDINATOR)


def _patient_params(field_name: str = "resident") -> dict:
    return {
        "patient": reference(f"{field_name}_id", "Patient"),
        "subject": reference(f"{field_name}_id", "Patient"),
    }


def _local(values) -> dict:
    return {value: value for value in values}


def _text(lookups: tuple, doc: str) -> Param:
    def apply(queryset, params, name):
        value = search.single(params, name)
        if value is None:
            return queryset
        condition = Q()
        for lookup in lookups:
            condition |= Q(**{lookup: value[:100]})
        return queryset.filter(condition)

    return Param("string", doc, apply)


def _identifier(field_name: str) -> Param:
    def apply(queryset, params, name):
        value = search.single(params, name)
        if value is None:
            return queryset
        condition = Q(pk__in=[])
        for system, code in search.tokens(value):
            if system in (None, codes.HSA_ID) and code:
                condition |= Q(**{field_name: code})
        return queryset.filter(condition)

    return Param("token", "HSA-id: urn:oid:1.2.752.29.4.19|value.", apply)


LOCATION = Kind(
    resource="Location",
    roles=STAFF,
    rows=lambda user: Organisation.objects.filter(kind__in=location.KINDS).select_related("parent"),
    to_fhir=location.to_fhir,
    params={
        "_id": ids_param(),
        "identifier": _identifier("hsa_id"),
        "name": _text(("name__icontains",), "Name contains."),
        "organization": reference("pk", "Organization", "Organization/<id>: the same unit."),
        "partof": reference("parent_id", "Location", "Location/<id>: the enclosing place."),
        "type": token(
            "kind", _local(location.KINDS), codes.LOCAL, "nursing_home, unit, virtual_clinic, …"
        ),
        "address-city": _text(("city__istartswith",), "City starts with."),
    },
    sort={"_id": "pk", "name": "name"},
    default_sort=("name",),
)


def _consented_relatives(user):
    in_force = Consent.objects.in_force().values("relative_id")
    return Relative.objects.visible_to(user).filter(pk__in=in_force)


RELATED_PERSON = Kind(
    resource="RelatedPerson",
    roles=STAFF,
    rows=_consented_relatives,
    to_fhir=relatedperson.to_fhir,
    params={
        "_id": ids_param(),
        "patient": reference("resident_id", "Patient"),
        "relationship": token(
            "relationship",
            {code: value for value, code in relatedperson.RELATIONSHIP.items()},
            relatedperson.ROLE_CODE,
            "v3 RoleCode: SPS, CHILD, GRNDCHILD, SIB, NIENEPH, FRND, O.",
        ),
        "name": _text(("family_name__istartswith", "given_name__istartswith"), "Name starts with."),
    },
    sort={"_id": "pk", "family": "family_name"},
    default_sort=("family_name", "given_name"),
    log_type="fhir_relatedperson",
    resident=lambda row: row.resident,
)

CONSENT = Kind(
    resource="Consent",
    roles=STAFF,
    rows=lambda user: (
        Relative.objects.visible_to(user)
        .filter(consents__isnull=False)
        .distinct()
        .select_related("resident")
        .prefetch_related("consents")
    ),
    to_fhir=consent.to_fhir,
    history=consent.history,
    history_doc="Every registration, change and revocation is a version.",
    params={
        "_id": ids_param(),
        "patient": reference("resident_id", "Patient"),
        "actor": reference("pk", "RelatedPerson", "RelatedPerson/<id>: the relative."),
    },
    sort={"_id": "pk"},
    log_type="fhir_consent",
    resident=lambda row: row.resident,
)

ENCOUNTER = Kind(
    resource="Encounter",
    roles=CLINICAL,
    rows=lambda user: CareContact.objects.visible_to(user).select_related("resident"),
    to_fhir=encounter.to_fhir,
    params={
        "_id": ids_param(),
        **_patient_params(),
        "date": date("occurred_at", "Time of the contact; prefixes eq, lt, le, gt, ge."),
        "class": token(
            "kind",
            {
                "VR": Q(kind__in=[k for k, c in encounter.CLASS.items() if c == "VR"]),
                "HH": Q(kind__in=[k for k, c in encounter.CLASS.items() if c == "HH"]),
            },
            encounter.ACT_CODE,
            "v3 ActCode VR (virtual) or HH (home health).",
        ),
        "type": token("kind", _local(CareContact.Kind.values), codes.LOCAL, "video, phone, …"),
        "practitioner": reference("clinician_id", "Practitioner"),
        "status": token("pk__isnull", {"finished": False}, None, "Always finished."),
    },
    sort={"_id": "pk", "date": "occurred_at"},
    default_sort=("-occurred_at",),
    log_type="fhir_encounter",
    resident=lambda row: row.resident,
)


def _booking_status():
    return {
        "booked": Q(cancelled_at__isnull=True),
        "cancelled": Q(cancelled_at__isnull=False),
    }


APPOINTMENT = Kind(
    resource="Appointment",
    roles=STAFF,
    rows=lambda user: Booking.objects.visible_to(user).select_related("resident"),
    to_fhir=appointment.to_fhir,
    history=appointment.history,
    history_doc="Version 1 as booked; version 2 when it was cancelled.",
    params={
        "_id": ids_param(),
        "patient": reference("resident_id", "Patient"),
        "practitioner": reference("clinician_id", "Practitioner"),
        "location": reference("unit_id", "Location"),
        "date": date("starts_at", "Start; prefixes eq, lt, le, gt, ge."),
        "status": token("status", _booking_status(), None, "booked or cancelled."),
        "appointment-type": token(
            "kind", _local(Booking.Kind.values), codes.LOCAL, "video, physical, …"
        ),
    },
    sort={"_id": "pk", "date": "starts_at"},
    default_sort=("starts_at",),
    log_type="fhir_appointment",
    resident=lambda row: row.resident,
)


def _schedulable():
    return StaffProfile.objects.filter(profession__in=CLINICAL).select_related("user")


SCHEDULE = Kind(
    resource="Schedule",
    roles=STAFF,
    rows=lambda user: _schedulable(),
    to_fhir=schedule.schedule,
    params={
        "_id": ids_param(),
        "actor": reference("pk", "Practitioner", "Practitioner/<id>: whose calendar."),
        "active": token("user__is_active", {"true": True, "false": False}, None, "true or false."),
    },
    sort={"_id": "pk"},
    default_sort=("user__last_name", "user__first_name"),
)

SLOT = Kind(
    resource="Slot",
    roles=STAFF,
    # The booked (busy) times of bookings the user may see; free time is not served yet.
    rows=lambda user: Booking.objects.visible_to(user).filter(cancelled_at__isnull=True),
    to_fhir=schedule.slot,
    params={
        "_id": ids_param(),
        "schedule": reference("clinician_id", "Schedule"),
        "start": date("starts_at", "Start; prefixes eq, lt, le, gt, ge."),
        "status": token("pk__isnull", {"busy": False}, None, "busy (booked times only)."),
    },
    sort={"_id": "pk", "start": "starts_at"},
    default_sort=("starts_at",),
    log_type="fhir_slot",
    resident=lambda row: row.resident,
)

SERVICE_REQUEST = Kind(
    resource="ServiceRequest",
    roles=CLINICAL,
    rows=lambda user: Order.objects.visible_to(user).select_related("resident"),
    to_fhir=servicerequest.to_fhir,
    history=servicerequest.history,
    history_doc="Version 1 as ordered; version 2 when it was cancelled.",
    params={
        "_id": ids_param(),
        **_patient_params(),
        "status": token(
            "status",
            {"active": Q(cancelled_at__isnull=True), "revoked": Q(cancelled_at__isnull=False)},
            None,
            "active or revoked.",
        ),
        "code": token("kind", _local(Order.Kind.values), codes.LOCAL, "vitals, sample, …"),
        "authored": date("created_at", "Time ordered; prefixes eq, lt, le, gt, ge."),
        "requester": reference("ordered_by_id", "PractitionerRole"),
    },
    sort={"_id": "pk", "authored": "created_at"},
    default_sort=("-created_at",),
    log_type="fhir_servicerequest",
    resident=lambda row: row.resident,
)

TASK = Kind(
    resource="Task",
    roles=CLINICAL,
    rows=lambda user: NurseTask.objects.visible_to(user).select_related("order", "resident"),
    to_fhir=task.to_fhir,
    history=task.history,
    history_doc="Version 1 as made from the order; version 2 when done or cancelled.",
    params={
        "_id": ids_param(),
        "patient": reference("resident_id", "Patient"),
        "subject": reference("resident_id", "Patient"),
        "status": token(
            "status",
            {fhir: value for value, fhir in task.STATUS.items()},
            None,
            "ready, completed or cancelled.",
        ),
        "code": token("order__kind", _local(Order.Kind.values), codes.LOCAL, "vitals, …"),
        "based-on": reference("order_id", "ServiceRequest"),
        "period": date("due_at", "Due time; prefixes eq, lt, le, gt, ge."),
    },
    sort={"_id": "pk", "period": "due_at"},
    default_sort=("due_at",),
    log_type="fhir_task",
    resident=lambda row: row.resident,
)


def _consult_param() -> Param:
    def apply(queryset, params, name):
        value = search.single(params, name)
        if value is None:
            return queryset
        wanted = [
            code for system, code in search.tokens(value) if system in (None, communication.CONSULT)
        ]
        return queryset.filter(
            consult_id__in=[int(v) for v in wanted if v.isdigit() and len(v) < 19]
        )

    return Param("token", f"The consult: {communication.CONSULT}|<id>.", apply)


COMMUNICATION = Kind(
    resource="Communication",
    roles=CLINICAL,
    rows=lambda user: (
        ConsultMessage.objects.visible_to(user)
        .exclude(kind=ConsultMessage.Kind.EVENT)
        .select_related("consult__resident", "author__staff_profile")
    ),
    to_fhir=communication.to_fhir,
    params={
        "_id": ids_param(),
        **_patient_params("consult__resident"),
        "part-of": _consult_param(),
        "sent": date("created_at", "Time sent; prefixes eq, lt, le, gt, ge."),
    },
    sort={"_id": "pk", "sent": "created_at"},
    default_sort=("created_at",),
    log_type="fhir_communication",
    resident=lambda row: row.consult.resident,
)


def _audit_rows(user):
    return AuditEvent.objects.filter(resident__in=Resident.objects.visible_to(user)).select_related(
        "resident"
    )


AUDIT_EVENT = Kind(
    resource="AuditEvent",
    roles=(Role.COORDINATOR,),  # as the access-log pages
    rows=_audit_rows,
    to_fhir=auditevent.to_fhir,
    params={
        "_id": ids_param(),
        "patient": reference("resident_id", "Patient"),
        "entity": reference("resident_id", "Patient"),
        "date": date("occurred_at", "Time recorded; prefixes eq, lt, le, gt, ge."),
        "action": token(
            "action",
            {
                "C": Q(action=AuditEvent.Action.CREATE),
                "U": Q(action__in=[AuditEvent.Action.UPDATE, AuditEvent.Action.BLOCK]),
                "D": Q(action=AuditEvent.Action.DELETE),
                "R": ~Q(
                    action__in=[
                        AuditEvent.Action.CREATE,
                        AuditEvent.Action.UPDATE,
                        AuditEvent.Action.BLOCK,
                        AuditEvent.Action.DELETE,
                    ]
                ),
            },
            None,
            "C, R, U or D.",
        ),
    },
    sort={"_id": "pk", "date": "occurred_at"},
    default_sort=("-occurred_at",),
    log_type="fhir_auditevent",
    resident=lambda row: row.resident,
)

KINDS = (
    LOCATION,
    RELATED_PERSON,
    ENCOUNTER,
    APPOINTMENT,
    SCHEDULE,
    SLOT,
    SERVICE_REQUEST,
    TASK,
    COMMUNICATION,
    CONSENT,
    AUDIT_EVENT,
)
