"""Relatives' consents and the units' phone numbers in the synthetic region.

Every unit gets a (fiction) phone number, which relatives are told to call. The persona relative
(``anhorig``) has the resident's consent sharing everything. The other relatives of residents on
the persona's unit show every other kind, in turn: a harm assessment by a nurse of the unit (the
resident cannot consent), a consent sharing only updates and messages, one that ran out, one that
was revoked, and none at all. Rows are written as the services would write them, with the unit's
nurse as the one who recorded them.
"""

from __future__ import annotations

import datetime

from digifys.directory.models import Organisation, StaffProfile
from digifys.relatives.models import Consent, Scope
from digifys.residents.models import Relative

from .tables import FICTION_PHONES

HARM_ASSESSMENT = (
    "Boende med långt framskriden demens kan inte ta ställning. Har i samtal tidigare uttryckt "
    "att barnen ska hållas informerade; inget tyder på att hon skulle motsätta sig. Bedömt att "
    "uppgifterna kan lämnas utan men."
)
KINDS = ("harm_assessment", "scoped", "expired", "revoked", "none")


def create_consent_rows(b) -> None:
    units = sorted((unit.org for unit in b.units), key=lambda org: org.pk)
    for number, org in enumerate(units):
        phone = FICTION_PHONES[number % len(FICTION_PHONES)].replace(" ", "").replace("-", "")
        Organisation.objects.filter(pk=org.pk).update(phone="+46" + phone[1:])
    persona_unit = b.units[b.people[b.persona_resident].unit].org
    nurse = (
        StaffProfile.objects.filter(units=persona_unit, profession="nurse")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    recorder = nurse.user if nurse else b.coordinator
    today = b.today
    rows = []

    def consent(relative, *, event="given", scopes=Scope.values, days_ago=200, **extra):
        given_on = today - datetime.timedelta(days=days_ago)
        rows.append(
            Consent(
                relative=relative,
                resident_id=relative.resident_id,
                event=event,
                basis=extra.pop("basis", Consent.Basis.RESIDENT),
                given_on=given_on,
                review_on=extra.pop("review_on", given_on + datetime.timedelta(days=365)),
                recorded_by=recorder,
                recorded_at=b.instant(-days_ago + extra.pop("later", 0), 10 * 60),
                **{scope: scope in scopes for scope in Scope.values},
                **extra,
            )
        )

    for relative in Relative.objects.filter(user=b.relative_user):
        consent(relative)
    others = (
        Relative.objects.filter(resident__unit=persona_unit, user__isnull=True)
        .exclude(resident_id=b.resident_ids[b.persona_resident])
        .order_by("resident_id", "pk")
    )
    for number, relative in enumerate(others[: 2 * len(KINDS)]):
        kind = KINDS[number % len(KINDS)]
        if kind == "harm_assessment" and nurse is not None:
            consent(
                relative,
                basis=Consent.Basis.HARM_ASSESSMENT,
                assessed_by=nurse,
                reason=HARM_ASSESSMENT,
                scopes=[Scope.CARE_TEAM, Scope.UPDATES, Scope.MEETINGS, Scope.CONDITION],
            )
        elif kind == "scoped":
            consent(relative, scopes=[Scope.UPDATES, Scope.MESSAGES])
        elif kind == "expired":
            consent(relative, days_ago=400, valid_until=today - datetime.timedelta(days=20))
        elif kind == "revoked":
            consent(relative, days_ago=300)
            consent(
                relative,
                event=Consent.Event.REVOKED,
                days_ago=300,
                later=250,
                review_on=None,
                reason="Boenden bad själv att informationen inte längre ska delas.",
            )
    Consent.objects.bulk_create(rows)
    b.consent_count = len(rows)
