"""Go-live dates and the before/after history of the synthetic region (issue #16).

Each unit has a go-live date (`insights.GoLive`): the day it started working with digifys, that
is with a named physician (often working from the virtual clinic in Málaga), video and
digital consults. :func:`plan_go_live` fixes them before any history is written, relative to
today so the demo stays right as time passes:

* every unit of the first home (Malåhemmet, the personas' home) went live **12 months ago**;
* every unit of the second home (Tallbacka in Storuman) went live **6 months ago**;
* every other home went live 2–5 months ago, the number of months drawn per home from the seed.

The rest of the generator reads ``b.go_live_k[unit]`` (the go-live day as an offset from today):
before it, physician contacts are mostly rotating locums on site (`records`), medication reviews
are often late (`reviews`); from it, the named physician and deputy take over. This module then
adds, from its own random stream (so the other tables stay as they were):

* **Hospital transfers and emergency visits** (`insights.HospitalTransfer`) over the whole
  history: about 4.5 per 1,000 resident-days before go-live, 2.2 after; a digital consult came
  first for about 15 % before and 70 % after; a physician judged most of them (all but some of
  the last month's), about 40 % avoidable before and 15 % after.

* **Consults** (`consults.Consult`, closed, each with the physician's answer): about one per
  45 resident-days before go-live (to the locum or physician on call), one per 20 after (to the
  named physician, sometimes the deputy); answered more slowly before (urgent: median about
  50 minutes against a 30-minute deadline) than after (about 16 minutes). A consult answered
  after its deadline was escalated at the deadline (an `escalated` event in its thread): before
  go-live from the locum on duty to the next, after it from the named physician to the deputy,
  who answered. Not above
  `observations.LARGE_SCALE` residents (millions of rows through the ORM; the benchmark region
  keeps only the persona unit's consults).

Events drawn per resident-day (transfers, and the sources of :mod:`digifys.synth.care_history`)
come from :func:`event_days`, which switches to the after-go-live rate exactly at go-live.

The trust survey's history (improving after go-live) is written by :mod:`digifys.synth.trust`;
relatives' messages, NEWS2 events, nurse tasks and bookings by :mod:`digifys.synth.care_history`.
"""

from __future__ import annotations

import datetime
import random

from django.conf import settings

from digifys.accounts.models import Role
from digifys.consults.models import Consult, ConsultMessage
from digifys.insights.models import GoLive, HospitalTransfer

from .observations import LARGE_SCALE

# Months before today each home went live: the first home 12, the second 6, others drawn.
FIRST_HOME_MONTHS = 12
SECOND_HOME_MONTHS = 6
OTHER_HOME_MONTHS = (2, 3, 4, 5)

# Transfers per resident-day, a consult first, and judged avoidable: (before, after) go-live.
TRANSFER_RATE = (0.0045, 0.0022)
CONSULT_FIRST = (0.15, 0.70)
AVOIDABLE = (0.40, 0.15)
UNJUDGED_DAYS = 30  # transfers of the last month may still wait for the physician's judgement
UNJUDGED_SHARE = 0.4

DESTINATIONS = [
    "Lycksele lasarett",
    "Lycksele lasarett",
    "Norrlands universitetssjukhus, Umeå",
    "Skellefteå lasarett",
]
REASONS = [
    "Fall i rummet, smärta i höften, kan inte belasta.",
    "Andningsbesvär och feber, misstänkt pneumoni.",
    "Sänkt allmäntillstånd, äter och dricker dåligt sedan två dygn.",
    "Bröstsmärta sedan en timme.",
    "Akut förvirring och feber.",
    "Blodig avföring, blek och trött.",
    "Medvetandepåverkan, svår att väcka.",
]
AVOIDABLE_COMMENTS = [
    "Hade kunnat behandlas på boendet med antibiotika och vätska efter bedömning på video.",
    "Läkarkontakt före transporten hade räckt; ingen åtgärd på akuten utöver provtagning.",
]
# Consults per resident-day, and median answer minutes per urgency: (before, after) go-live.
CONSULT_RATE = (1 / 45, 1 / 20)
URGENCIES = (("urgent", 0.3), ("same_day", 0.5), ("next_round", 0.2))
ANSWER_MEDIAN = {
    "urgent": (50, 16),
    "same_day": (330, 120),
    "next_round": (4 * 24 * 60, 24 * 60),
}
ANSWER_SPREAD = 0.6  # sigma of the log-normal answer time
SBAR = [
    (
        "Ökad andfåddhet sedan i går.",
        "Hjärtsvikt, behandlas med furosemid.",
        "Andningsfrekvens 22, saturation 93 % utan syrgas, lätta ödem.",
        "Bedömning och ställningstagande till ökad diuretikados.",
    ),
    (
        "Sveda vid miktion och ökad oro.",
        "Demenssjukdom, tidigare urinvägsinfektioner.",
        "Temp 37,9, i övrigt stabila vitalparametrar.",
        "Bedömning, ev. urinodling och behandling.",
    ),
    (
        "Fallit i badrummet, inga synliga skador.",
        "Osteoporos, antikoagulantia.",
        "Vaken och orienterad som vanligt, går med rollator.",
        "Bedömning av behov av vidare undersökning.",
    ),
    (
        "Sover dåligt och har ont i ryggen.",
        "Kronisk ryggsmärta, paracetamol vid behov.",
        "Smärtskattning 5, rör sig försiktigt.",
        "Översyn av smärtlindringen.",
    ),
]
ANSWERS = [
    "Jag har gått igenom uppgifterna. Fortsätt enligt plan, kontroll av vitalparametrar i morgon.",
    "Ordinerar urinodling; återkoppla svaret. Hör av dig om feber över 38,5.",
    "Ingen åtgärd just nu. Observera och ring vid försämring.",
    "Justerar läkemedelslistan; se ordinationen i journalen.",
]
NOT_AVOIDABLE_COMMENTS = [
    "Motiverad transport; krävde röntgen och operation.",
    "Motiverad; behövde sjukhusvård.",
    "",
]


def months_before(day: datetime.date, months: int) -> datetime.date:
    """DAY moved back MONTHS calendar months (the last day of a shorter month if need be)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def event_days(rng, first: float, end: int, go_live: int, rates: tuple[float, float]):
    """The days (offsets) of a Poisson process from FIRST to END (exclusive) with RATES per day
    (before, after) the GO_LIVE day: a wait that crosses go-live starts again from it at the new
    rate (the process is memoryless), so the old rate never spills into the new era."""
    k = float(first)
    while True:
        following = k + rng.expovariate(rates[0 if k < go_live else 1])
        if k < go_live <= following:
            k = float(go_live)
            continue
        if following >= end:
            return
        k = following
        yield int(k)


def plan_go_live(b) -> None:
    """Fix each unit's go-live day (``b.go_live_k``); ``b.model_start_k`` is the earliest."""
    rng = random.Random(f"golive-{b.seed}")
    months_of_home: dict[int, int] = {}
    for unit in b.units:
        if unit.home not in months_of_home:
            if unit.home == 0:
                months = FIRST_HOME_MONTHS
            elif unit.home == 1:
                months = SECOND_HOME_MONTHS
            else:
                months = rng.choice(OTHER_HOME_MONTHS)
            months_of_home[unit.home] = months
    b.go_live_k = [
        (months_before(b.today, months_of_home[unit.home]) - b.today).days for unit in b.units
    ]
    b.model_start_k = min(b.go_live_k)


def create_go_live_rows(b) -> None:
    GoLive.objects.bulk_create(
        [
            GoLive(unit=unit.org, went_live_on=b.date(k))
            for unit, k in zip(b.units, b.go_live_k, strict=True)
        ]
    )


def create_transfer_rows(b) -> int:
    """Write the hospital transfers of every resident's stay within the history; return how many."""
    rng = random.Random(f"transfers-{b.seed}")
    nurses = unit_nurses(b)
    locum_users = [locum.user_id for locum in b.locums]
    rows = []
    for index, person in enumerate(b.people):
        go_live = b.go_live_k[person.unit]
        first_k = max(-b.history_days, person.moved_in_k + 1)
        end_k = person.left_k if not person.active else 0
        recorders = nurses[person.unit]
        for day in event_days(rng, first_k, end_k, go_live, TRANSFER_RATE):
            era = 0 if day < go_live else 1
            if era == 1:
                judge = b.physicians[person.named if rng.random() < 0.85 else person.deputy].user_id
            else:
                judge = locum_users[int(rng.random() * len(locum_users))]
            rows.append(
                _transfer(b, rng, b.resident_ids[index], person, day, era, recorders, judge)
            )
    HospitalTransfer.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _transfer(b, rng, resident_id, person, day, era, recorders, judge) -> HospitalTransfer:
    occurred = b.instant(day, int(rng.random() * 24 * 60))
    recorded = min(occurred + datetime.timedelta(minutes=20 + int(rng.random() * 160)), b.now)
    judged = not (day > -UNJUDGED_DAYS and rng.random() < UNJUDGED_SHARE)
    avoidable = rng.random() < AVOIDABLE[era] if judged else None
    judged_at = occurred + datetime.timedelta(days=1 + rng.random() * 9) if judged else None
    if judged_at is not None and judged_at > b.now:
        judged, avoidable, judged_at = False, None, None
    comments = AVOIDABLE_COMMENTS if avoidable else NOT_AVOIDABLE_COMMENTS
    kind = HospitalTransfer.Kind
    return HospitalTransfer(
        resident_id=resident_id,
        unit=b.units[person.unit].org,
        occurred_at=occurred,
        kind=kind.ADMISSION if rng.random() < 0.6 else kind.EMERGENCY,
        destination=rng.choice(DESTINATIONS),
        reason=rng.choice(REASONS),
        consult_first=rng.random() < CONSULT_FIRST[era],
        recorded_by_id=recorders[int(rng.random() * len(recorders))],
        recorded_at=recorded,
        avoidable=avoidable,
        judgement=rng.choice(comments) if judged else "",
        judged_by_id=judge if judged else None,
        judged_at=judged_at,
        updated_at=judged_at or recorded,
    )


def create_consult_rows(b) -> int:
    """Write the closed consults of every resident's stay within the history; return how many."""
    if b.scale > LARGE_SCALE:
        return 0
    rng = random.Random(f"consults-{b.seed}")
    deadlines = settings.CONSULT_DEADLINE_MINUTES
    nurses = unit_nurses(b)
    physician_users = {profile.pk: profile.user_id for profile in (*b.physicians, *b.locums)}
    cutoff = b.now - datetime.timedelta(hours=1)
    names = {user.pk: user.get_full_name() for user in b.users}
    consults, answers, escalations = [], [], []
    urgencies = [name for name, _share in URGENCIES]
    weights = [share for _name, share in URGENCIES]
    for index, person in enumerate(b.people):
        go_live = b.go_live_k[person.unit]
        first_k = max(-b.history_days, person.moved_in_k + 1)
        end_k = person.left_k if not person.active else 0
        senders = nurses[person.unit]
        k = float(first_k)
        while True:
            k += rng.expovariate(CONSULT_RATE[0 if k < go_live else 1])
            day = int(k)
            if day >= end_k:
                break
            era = 0 if day < go_live else 1
            urgency = rng.choices(urgencies, weights)[0]
            sent = b.instant(day, 7 * 60 + int(rng.random() * 14 * 60))
            median = ANSWER_MEDIAN[urgency][era]
            minutes = max(2.0, rng.lognormvariate(0, ANSWER_SPREAD) * median)
            answered = sent + datetime.timedelta(minutes=minutes)
            closed = answered + datetime.timedelta(hours=1 + rng.random() * 20)
            if closed > cutoff:
                continue
            if era == 1:
                named = rng.random() < 0.85
                physician = b.physicians[person.named if named else person.deputy].pk
                routed = Consult.RoutedTo.NAMED if named else Consult.RoutedTo.DEPUTY
            else:
                physician = b.locum_pks[int(rng.random() * len(b.locum_pks))]
                routed = Consult.RoutedTo.ON_DUTY
            situation, background, assessment, recommendation = rng.choice(SBAR)
            sender = senders[int(rng.random() * len(senders))]
            deadline = sent + datetime.timedelta(minutes=deadlines[urgency])
            if answered > deadline:  # escalated at its deadline to the physician who answered
                if era == 1:  # from the named physician to the deputy
                    physician = b.physicians[person.deputy].pk
                    routed = Consult.RoutedTo.DEPUTY
                    previous = b.physicians[person.named].pk
                else:  # from the locum on duty to the next
                    previous = b.locum_pks[(b.locum_pks.index(physician) + 1) % len(b.locum_pks)]
                names_of = (names[physician_users[previous]], names[physician_users[physician]])
                escalations.append((len(consults), deadline, names_of))
            consults.append(
                Consult(
                    resident_id=b.resident_ids[index],
                    unit=b.units[person.unit].org,
                    created_by_id=sender,
                    created_at=sent,
                    urgency=urgency,
                    situation=situation,
                    background=background,
                    assessment=assessment,
                    recommendation=recommendation,
                    status=Consult.Status.CLOSED,
                    assigned_to_id=physician,
                    routed_to=routed,
                    deadline_at=deadline,
                    escalation_count=int(answered > deadline),
                    accepted_at=answered - datetime.timedelta(minutes=min(minutes / 2, 10)),
                    answered_at=answered,
                    closed_at=closed,
                    closed_by_id=sender,
                    close_reason="Besvarad och åtgärdad.",
                    updated_at=closed,
                )
            )
            answers.append((physician_users[physician], rng.choice(ANSWERS), answered))
    Consult.objects.bulk_create(consults, batch_size=1000)
    ConsultMessage.objects.bulk_create(
        [
            ConsultMessage(
                consult=consult,
                author_id=author,
                kind=ConsultMessage.Kind.MESSAGE,
                body=body,
                created_at=at,
            )
            for consult, (author, body, at) in zip(consults, answers, strict=True)
        ],
        batch_size=1000,
    )
    ConsultMessage.objects.bulk_create(
        [
            ConsultMessage(
                consult=consults[index],
                kind=ConsultMessage.Kind.EVENT,
                code="escalated",
                params={"from": previous, "to": current},
                created_at=at,
            )
            for index, at, (previous, current) in escalations
        ],
        batch_size=1000,
    )
    b.history_consults = consults
    return len(consults)


def unit_nurses(b) -> list[list[int]]:
    """User ids of each unit's nurses (every nurse of the region for a unit without one)."""
    nurses: list[list[int]] = [[] for _ in b.units]
    for profile, unit_ids in zip(b.profiles, b.unit_links, strict=True):
        if profile.profession == Role.NURSE:
            for unit in unit_ids:
                nurses[unit].append(profile.user_id)
    everyone = sorted({user for users in nurses for user in users}) or [b.coordinator.pk]
    return [users or everyone for users in nurses]
