"""Each resident's medication reviews (läkemedelsgenomgångar, HSLF-FS 2017:37).

The regulation asks for a review on moving in and then at least once a year. In the synthetic
region most homes keep to that: a first review within a month of moving in, then one every
10-12 months, the latest within the last year. A few residents (`OVERDUE_SHARE`) are behind:
their latest review is 12-15 months old, or, if they moved in within the last five months, they
were not reviewed after moving in. Nobody is years behind (issue 12 §4 item 10: the demo used to
show 390 of 398 residents overdue, some since 2023, because no review was written at all). Before
a unit's go-live (`history`), with rotating locums, the yearly reviews were often a few months
late (`LOCUM_ERA_GAP`).

Randomness comes from its own generator, so adding reviews leaves every other table unchanged.
"""

from __future__ import annotations

import random

from digifys.medicationreviews.models import MedicationReview

from .tables import Table, between

OVERDUE_SHARE = 0.06  # DESIGN: "a realistic few" behind the yearly rule.
EXTENDED_SHARE = 0.1  # in-depth (fördjupad) reviews among those documented
YEARLY_GAP = (300, 365)  # days from one review to the next: on time
LOCUM_ERA_GAP = (320, 480)  # before go-live, with rotating locums: often a few months late
FINDINGS = [
    "Läkemedelslistan genomgången med sjuksköterska. Inga interaktioner av betydelse.",
    "Genomgång utan anmärkning. Fortsatt behandling enligt lista.",
    "Genomgång med patient och sjuksköterska. Behandlingen fungerar, inga biverkningar.",
    "Dubbelförskrivning av paracetamol rättad. Inga övriga anmärkningar.",
    "Vid behovs-läkemedel genomgångna; två sällan använda utsatta.",
]
CHANGES = ["", "", "", "Zopiklon utsatt.", "Omeprazol sänkt till 20 mg.", "Furosemid halverad."]


def create_review_rows(b) -> int:
    """Write the medication reviews of every resident; return how many."""
    rng = random.Random(f"reviews-{b.seed}")
    reviews = Table(
        MedicationReview,
        [
            "resident",
            "unit",
            "kind",
            "performed_by",
            "performed_on",
            "findings",
            "changes",
            "drug_related_problems",
            "created_at",
        ],
    )
    for index, person in enumerate(b.people):
        for k in _review_days(rng, person, b.go_live_k[person.unit]):
            reviews.add(_row(b, rng, person, b.resident_ids[index], k))
    reviews.flush()
    return reviews.count


def _review_days(rng: random.Random, person, go_live_k: int) -> list[int]:
    """Day offsets (negative = past) of PERSON's reviews, oldest first.

    Before the unit's go-live (GO_LIVE_K) the yearly review was often late (`LOCUM_ERA_GAP`).
    """
    moved_in_k = person.moved_in_k
    end_k = 0 if person.active else person.left_k
    first_k = moved_in_k + between(rng, 7, 30)  # on moving in (within a month)
    if first_k >= end_k:
        return []
    behind = person.active and rng.random() < OVERDUE_SHARE
    if behind and moved_in_k > -150:
        return []  # moved in lately, not yet reviewed: overdue since move-in + 30 days
    # The latest review: within the last 11 months, or 12-15 months ago for those behind.
    latest_k = -between(rng, 366, 450) if behind else end_k - between(rng, 3, 330)
    latest_k = max(latest_k, first_k)  # never before the review on moving in
    days = [first_k, latest_k]
    k = latest_k - _gap(rng, latest_k, go_live_k)  # the yearly reviews before the latest
    while k > first_k + 60:
        days.append(k)
        k -= _gap(rng, k, go_live_k)
    return sorted(set(days))


def _gap(rng: random.Random, later_k: int, go_live_k: int) -> int:
    """Days between a review on day LATER_K and the one before it."""
    low, high = LOCUM_ERA_GAP if later_k < go_live_k else YEARLY_GAP
    return between(rng, low, high)


def _row(b, rng: random.Random, person, resident_id: int, k: int) -> tuple:
    if k >= b.go_live_k[person.unit]:  # the named-physician model: mostly the named physician
        physician = person.named if rng.random() < 0.85 else person.deputy
        performed_by = b.physicians[physician].pk
    else:  # the locum era
        performed_by = b.locum_pks[int(rng.random() * len(b.locum_pks))]
    kind = (
        MedicationReview.Kind.EXTENDED
        if rng.random() < EXTENDED_SHARE
        else MedicationReview.Kind.SIMPLE
    )
    return (
        resident_id,
        b.units[person.unit].org.pk,
        kind,
        performed_by,
        b.db_date(k),
        rng.choice(FINDINGS),
        rng.choice(CHANGES),
        False,  # no problems left: an unresolved in-depth follow-up would be overdue at once
        b.db_instant(k, between(rng, 9 * 60, 15 * 60)),
    )
