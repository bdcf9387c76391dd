"""The resident who logs in themself, and trust-survey answers, in the synthetic region.

The persona ``boende`` is an active resident of the persona nurse's unit without dementia (their
cognitive baseline names none); the login is 100 days old, so this quarter's survey round is open
for them. The persona relative (``anhorig``) gets this round's invitation too.

Survey answers (`trust.Answer`, no respondent) for the last two years (six months above
`observations.LARGE_SCALE` residents): the first half of the units
(by pk) get five or more answers a month, so their results show; the others get one to four, so
they are suppressed. Scores vary per unit around a level of its own, and rise by about
`GO_LIVE_LIFT` over the six months after the unit's go-live (`synth.history`).
"""

from __future__ import annotations

import datetime
import random

from digifys.accounts.demo import PERSONAS
from digifys.accounts.models import User
from digifys.directory.models import Organisation
from digifys.notifications.models import Notification
from digifys.relatives.models import ResidentLogin
from digifys.residents.models import Resident
from digifys.trust import selectors as trust_selectors
from digifys.trust.models import Answer, Invitation, Item
from digifys.trust.services import send_invitations

from .observations import LARGE_SCALE
from .tables import ascii_name

RESIDENT_USERNAME = "boende"
SURVEY_MONTHS = 24  # two years of answers, like the rest of the history
LARGE_SCALE_SURVEY_MONTHS = 6  # above observations.LARGE_SCALE residents (the benchmark region)
GO_LIVE_LIFT = 0.9  # how much the mean score rises within six months of the unit's go-live
COMMENTS = [
    "Personalen är alltid vänlig och tar sig tid.",
    "Svårt att komma fram på telefon på eftermiddagarna.",
    "Bra att läkaren finns med på video vid ronden.",
    "Jag vet inte alltid vem som är läkare just nu.",
    "Mamma trivs, och vi får veta när något händer.",
    "Mer information efter läkarbesöken vore bra.",
    "",
    "",
    "",
]
RELATIONSHIPS = ["child", "child", "spouse", "grandchild", "sibling", "niece_nephew", "resident"]


def create_trust_rows(b) -> None:
    _resident_login(b)
    _answers(b)
    # This round's invitations (the persona relative's and the resident's), as the job would,
    # stamped with the region's "now" so the region stays deterministic.
    send_invitations(b.today)
    Invitation.objects.update(created_at=b.now)
    Notification.objects.filter(kind=Notification.Kind.SURVEY).update(created_at=b.now)


def _resident_login(b) -> None:
    persona_unit = b.units[b.people[b.persona_resident].unit].org
    candidates = (
        Resident.objects.filter(unit=persona_unit, status=Resident.Status.ACTIVE)
        .exclude(pk=b.resident_ids[b.persona_resident])
        .exclude(cognitive_baseline__icontains="demens")
        .order_by("pk")
    )
    resident = candidates.first() or Resident.objects.get(pk=b.resident_ids[b.persona_resident])
    user = User(
        username=RESIDENT_USERNAME,
        first_name=resident.given_name,
        last_name=resident.family_name,
        email=f"{ascii_name(resident.given_name)}.{ascii_name(resident.family_name)}@example.com",
        password=b.users[0].password,
        date_joined=b.now - datetime.timedelta(days=100),
    )
    User.objects.bulk_create([user])
    ResidentLogin.objects.create(
        user=user, resident=resident, created_at=b.now - datetime.timedelta(days=100)
    )
    assert PERSONAS[RESIDENT_USERNAME][0] == "resident"


def _answers(b) -> None:
    rng = random.Random(f"trust-{b.seed}")
    go_live = {unit.org.pk: b.date(k) for unit, k in zip(b.units, b.go_live_k, strict=True)}
    units = sorted(
        Organisation.objects.units().filter(pk__in=list(go_live)),
        key=lambda org: org.pk,
    )
    count = SURVEY_MONTHS if b.scale <= LARGE_SCALE else LARGE_SCALE_SURVEY_MONTHS
    months = trust_selectors.months(b.today, count=count)
    rows = []
    for number, unit in enumerate(units):
        shown = number < max(1, len(units) // 2)
        level = rng.uniform(2.4, 3.6)
        for month in months:
            count = rng.randint(5, 9) if shown else rng.randint(1, 4)
            # After go-live trust rises over about half a year, then stays.
            live_months = (month.year - go_live[unit.pk].year) * 12 + (
                month.month - go_live[unit.pk].month
            )
            lift = GO_LIVE_LIFT * min(1.0, max(0, live_months) / 6) if live_months >= 0 else 0.0
            for _ in range(count):
                scores = {
                    item: max(1, min(5, round(level + lift + rng.gauss(0, 0.8))))
                    for item in Item.values
                }
                rows.append(
                    Answer(
                        unit=unit,
                        municipality_id=unit.municipality_id,
                        month=month,
                        relationship=rng.choice(RELATIONSHIPS),
                        comment=rng.choice(COMMENTS),
                        **scores,
                    )
                )
    Answer.objects.bulk_create(rows, batch_size=1000)
    b.trust_answer_count = len(rows)
