"""Writes to the access log, its verification, and the log review (loggkontroll).

Rules enforced here (domain-spec §3.1; DESIGN.md §5.2):
- every entry says who (user, name and role copied at the time), from which unit or organisation,
  which resident, what (action and object), why (purpose), when (UTC) and from where (IP);
- entries are only appended: each one is chained to the previous one by SHA-256 under a lock on
  the single `AuditChainHead` row, so concurrent writers never fork the chain and sequence
  numbers have no gaps; nothing here updates or deletes an entry;
- a log review combines rule-based selection (emergency access, residents in another
  municipality, night-time access, many residents opened in one day) with a seeded random sample,
  as IMY's checklist asks; every outcome is documented and a review cannot be closed while an
  entry is unreviewed; the review itself is logged.
"""

import datetime
import ipaddress
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digifys.accounts.models import Role
from digifys.core.time import STOCKHOLM
from digifys.directory.models import Organisation

from .chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_payload,
    format_instant,
    hash_canonical,
)
from .models import AuditChainHead, AuditEvent, LogReview, LogReviewItem

HEAD_PK = 1
MAX_DETAILS_CHARS = 2000

Action = AuditEvent.Action
Purpose = AuditEvent.Purpose
Reason = LogReviewItem.Reason
Outcome = LogReviewItem.Outcome


class ChainHeadMissing(RuntimeError):
    """The chain head row is gone while entries exist: the log has been tampered with."""


# --- Writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Actor:
    id: int | None
    name: str
    role: str
    organisation_id: int | None
    organisation_name: str


_SYSTEM = _Actor(None, "", "", None, "")


def _actor_snapshot(actor) -> _Actor:
    """Return who the actor is right now: name, role and unit or organisation.

    Memoised on the user instance, which lives for one request (or one task), so a page that logs
    several times looks the organisation up once; nothing is cached across requests.
    """
    if actor is None or not actor.is_authenticated:
        return _SYSTEM
    snapshot = getattr(actor, "_audit_snapshot", None)
    if snapshot is not None:
        return snapshot
    role = actor.role
    organisation = None
    if role is not None and role != Role.RELATIVE:
        profile = actor.staff_profile
        columns = ("pk", "name", "parent__name", "kind")
        if role in (Role.NURSE, Role.ASSISTANT_NURSE):
            organisation = profile.units.order_by("name", "pk").values_list(*columns).first()
        if organisation is None:
            organisation = Organisation.objects.filter(pk=profile.employer_id).values_list(
                *columns
            )[0]
    org_id, org_name = None, ""
    if organisation is not None:
        org_id, name, parent_name, kind = organisation
        # A unit's own name ("Avd 1 Björken") is ambiguous without its nursing home.
        unit = kind == Organisation.Kind.UNIT and parent_name
        org_name = f"{parent_name} – {name}" if unit else name
    snapshot = _Actor(
        id=actor.pk,
        name=(actor.get_full_name() or actor.get_username())[:200],
        role=role.value if role is not None else "",
        organisation_id=org_id,
        organisation_name=org_name[:300],
    )
    actor._audit_snapshot = snapshot
    return snapshot


def client_ip(request) -> str | None:
    """Return the client's IP: the address the outermost trusted proxy saw, else REMOTE_ADDR.

    Each of the TRUSTED_PROXY_COUNT proxies appends the address it received the request from to
    X-Forwarded-For, so the entry that many places from the right is the client as the outermost
    proxy saw it. Everything left of it was written by the client and can be forged (as allauth
    reads it for its rate limits).
    """
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = forwarded.split(",")
        if len(hops) >= proxies:
            value = hops[-proxies]
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _clean_details(details: dict | None) -> dict:
    """Check that DETAILS is small and of JSON types that round-trip exactly on both databases."""
    if not details:
        return {}
    if not isinstance(details, dict):
        raise TypeError("details must be a dict")

    def check(value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise TypeError("details keys must be strings")
                check(item)
        elif isinstance(value, list | tuple):
            for item in value:
                check(item)
        elif not (value is None or isinstance(value, str | int | bool)):
            # Floats are refused: PostgreSQL's jsonb may print them differently than Python.
            raise TypeError(f"details values must be str, int, bool or None, not {type(value)}")

    check(details)
    text = json.dumps(details, sort_keys=True)
    if len(text) > MAX_DETAILS_CHARS:
        raise ValueError(f"details must be small (at most {MAX_DETAILS_CHARS} characters)")
    return json.loads(text)


def _check_codes(action: str, purpose: str, object_type: str, object_id: str) -> None:
    if action not in Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if purpose not in Purpose.values:
        raise ValueError(f"unknown audit purpose {purpose!r}")
    if not object_type or len(object_type) > 50:
        raise ValueError("object_type must be 1-50 characters")
    if len(object_id) > 64:
        raise ValueError("object_id must be at most 64 characters")


def _lock_head() -> tuple[int, str]:
    """Lock the chain head row for this transaction and return (last_seq, last_hash)."""
    head = (
        AuditChainHead.objects.select_for_update()
        .filter(pk=HEAD_PK)
        .values_list("last_seq", "last_hash")
        .first()
    )
    if head is not None:
        return head
    # Only a brand-new (or flushed) database has no head row.
    if AuditEvent.objects.exists():
        raise ChainHeadMissing("the access log's chain head row is missing")
    AuditChainHead.objects.create(pk=HEAD_PK, last_seq=0, last_hash=GENESIS_HASH)
    return 0, GENESIS_HASH


# The canonical payload ends with the sequence number: PREFIX + str(seq) + "}".
_SEQ_TAIL = '"seq":0}'


def _append(events: list[AuditEvent]) -> list[AuditEvent]:
    """Number, chain and insert EVENTS after the current head, in one locked transaction."""
    if not events:
        return events
    if connection.vendor == "postgresql":
        return _append_in_database(events)
    with transaction.atomic(savepoint=False):
        seq, prev_hash = _lock_head()
        for event in events:
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = prev_hash = event.compute_hash()
        if len(events) == 1:
            events[0].save(force_insert=True)
        elif events:
            AuditEvent.objects.bulk_create(events, batch_size=500)
        if events:
            AuditChainHead.objects.filter(pk=HEAD_PK).update(last_seq=seq, last_hash=prev_hash)
    return events


def _append_in_database(events: list[AuditEvent]) -> list[AuditEvent]:
    """`_append` on PostgreSQL: one call of `digifys_audit_append` (migration audit 0006).

    The head is locked, the entries chained and inserted and the head moved inside the database
    in one statement, so a page in autocommit mode holds the lock for no round trip. The hashes
    are computed there from the same canonical payload as `chain.hash_canonical`.
    """
    entries = []
    for event in events:
        instant = format_instant(event.occurred_at)
        payload = canonical_payload(0, instant, *event.hashed_values()[2:])
        if not payload.endswith(_SEQ_TAIL):  # the payload's keys are sorted: "seq" is last
            raise AssertionError("the canonical payload must end with the sequence number")
        entries.append(
            {
                "prefix": payload.removesuffix("0}"),  # ends with "seq":
                "occurred_at": instant,
                "actor_id": event.actor_id,
                "actor_name": event.actor_name,
                "actor_role": event.actor_role,
                "organisation_id": event.organisation_id,
                "organisation_name": event.organisation_name,
                "resident_id": event.resident_id,
                "action": event.action,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "purpose": event.purpose,
                "ip_address": event.ip_address,
                "details": event.details,
            }
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT first_seq, first_prev, hashes FROM digifys_audit_append(%s::jsonb)",
            [json.dumps(entries, ensure_ascii=False)],
        )
        seq, prev_hash, hashes = cursor.fetchone()
    if seq is None:
        raise ChainHeadMissing("the access log's chain head row is missing")
    for event, entry_hash in zip(events, hashes, strict=True):
        event.seq, event.prev_hash, event.hash = seq, prev_hash, entry_hash
        event._state.adding = False
        event._state.db = connection.alias
        seq, prev_hash = seq + 1, entry_hash
    return events


def _event(
    *, who: _Actor, when, action, resident_id, object_type, object_id, purpose, ip, details
) -> AuditEvent:
    return AuditEvent(
        occurred_at=when,
        actor_id=who.id,
        actor_name=who.name,
        actor_role=who.role,
        organisation_id=who.organisation_id,
        organisation_name=who.organisation_name,
        resident_id=resident_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        ip_address=ip,
        details=details,
    )


def record(
    *,
    actor,
    action: str,
    resident=None,
    object_type: str,
    object_id: str | int = "",
    purpose: str = Purpose.CARE,
    request=None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one entry to the access log (ACTOR None means the system)."""
    object_id = str(object_id)
    _check_codes(action, purpose, object_type, object_id)
    event = _event(
        who=_actor_snapshot(actor),
        when=timezone.now(),
        action=str(action),
        resident_id=resident.pk if resident is not None else None,
        object_type=object_type,
        object_id=object_id,
        purpose=str(purpose),
        ip=client_ip(request),
        details=_clean_details(details),
    )
    return _append([event])[0]


def record_many(
    *,
    actor,
    action: str,
    residents: Sequence,
    object_type: str,
    purpose: str = Purpose.CARE,
    request=None,
    details: dict | None = None,
) -> list[AuditEvent]:
    """Append one entry per resident (e.g. a list page) in one locked batch."""
    _check_codes(action, purpose, object_type, "")
    if not residents:
        return []
    who = _actor_snapshot(actor)
    when = timezone.now()
    ip = client_ip(request)
    details = _clean_details(details)
    events = [
        _event(
            who=who,
            when=when,
            action=str(action),
            resident_id=resident.pk,
            object_type=object_type,
            object_id=str(resident.pk),
            purpose=str(purpose),
            ip=ip,
            details=details,
        )
        for resident in residents
    ]
    return _append(events)


def record_read(
    *,
    actor,
    residents: Sequence,
    request=None,
    object_type: str,
    object_id: str | int | None = None,
    details: dict | None = None,
) -> list[AuditEvent]:
    """Log that ACTOR read data of RESIDENTS, deciding each entry's purpose.

    The purpose comes from the access policy (careteams.policy.read_purpose): "administration"
    for coordinators, "emergency" for a clinician without a care relationship (reading through
    an access grant; the log review picks these up), otherwise "care". With OBJECT_ID (even "")
    the read is of one object about one resident; with None, each resident's entry carries its
    own id (a list page).
    """
    # Imported here: the policy imports the domain models, whose services import this module.
    from digifys.careteams.policy import read_purpose, read_purposes

    if object_id is not None:
        (resident,) = residents
        entry = record(
            actor=actor,
            action=Action.READ,
            resident=resident,
            object_type=object_type,
            object_id=object_id,
            purpose=read_purpose(actor, resident),
            request=request,
            details=details,
        )
        return [entry]
    purposes = read_purposes(actor, residents)
    by_purpose: dict[str, list] = {}
    for resident in residents:
        by_purpose.setdefault(purposes[resident.pk], []).append(resident)
    events: list[AuditEvent] = []
    for purpose, group in by_purpose.items():
        events += record_many(
            actor=actor,
            action=Action.READ,
            residents=group,
            object_type=object_type,
            purpose=purpose,
            request=request,
            details=details,
        )
    return events


# --- Verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str
    last_hash: str = GENESIS_HASH


_EMPTY: dict = {}


def _canonical_instant(value) -> str:
    # SQLite hands back naive UTC datetimes (or text); PostgreSQL aware ones.
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return format_instant(value)


def _canonical_details(value):
    # Both backends hand JSON over as text here (Django loads jsonb as text on PostgreSQL).
    if value == "{}":
        return _EMPTY
    return json.loads(value) if isinstance(value, str) else value


def _raw_batches(after: int | None, batch_size: int):
    """Yield batches of raw rows (HASHED_FIELDS, prev_hash, hash) in seq order, after seq AFTER.

    Rows are read with the ORM's SQL but without its per-value converters, which would cost more
    than the hashing; `_canonical_instant` and `_canonical_details` do the little conversion needed.
    """
    rows = AuditEvent.objects.order_by("seq").values_list(*HASHED_FIELDS, "prev_hash", "hash")
    while True:
        query = rows if after is None else rows.filter(seq__gt=after)
        sql, params = query[:batch_size].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            batch = cursor.fetchall()
        if batch:
            yield batch
        if len(batch) < batch_size:
            return
        after = batch[-1][0]


def verify_chain(*, batch_size: int = 10_000) -> VerificationResult:
    """Recompute every entry's hash in sequence order and check the links and the chain head.

    Finds a changed entry (hash mismatch), a deleted one (gap in the sequence, or the head
    pointing past the last entry) and an inserted one (unexpected sequence number, broken link, or
    an entry the head does not cover). Entries appended while the check runs are checked too.
    Reasons are plain English: the command is read by operators, not shown in the UI.
    """
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    instant, details = _canonical_instant, _canonical_details

    def bad(seq: int, reason: str) -> VerificationResult:
        return VerificationResult(False, checked, seq, reason, prev_hash)

    after = None  # the first batch is unfiltered, so an entry slipped in with seq < 1 is seen
    while True:
        for batch in _raw_batches(after, batch_size):
            for row in batch:
                seq = row[0]
                if seq != expected_seq:
                    if seq > expected_seq:
                        return bad(
                            expected_seq,
                            f"entry missing: expected seq {expected_seq}, next entry is seq {seq}",
                        )
                    return bad(seq, f"unexpected seq {seq} (expected {expected_seq})")
                if row[14] != prev_hash:
                    return bad(seq, "prev_hash does not match the previous entry's hash")
                (_, occurred_at, *middle, raw_details, _prev, digest) = row
                if (
                    hash_canonical(
                        prev_hash, seq, instant(occurred_at), *middle, details(raw_details)
                    )
                    != digest
                ):
                    return bad(seq, "hash does not match the entry's contents (entry changed)")
                prev_hash = digest
                expected_seq += 1
                checked += 1
        after = checked
        head = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("last_seq", "last_hash")
        head = head.first()
        if head is None:
            if checked == 0:
                return VerificationResult(True, 0, None, "", GENESIS_HASH)
            return bad(checked, "the chain head row is missing")
        last_seq, last_hash = head
        if last_seq > checked:
            # Either entries were appended while we read (check them), or the tail was deleted.
            if AuditEvent.objects.filter(seq__gt=checked).exists():
                continue
            return bad(
                expected_seq,
                f"entries {expected_seq}–{last_seq} are missing (the chain head records "
                f"seq {last_seq})",
            )
        if last_seq < checked:
            return bad(last_seq + 1, f"entries after seq {last_seq} are not in the chain head")
        if last_hash != prev_hash:
            return bad(last_seq, "the chain head's hash does not match the last entry")
        return VerificationResult(True, checked, None, "", prev_hash)


# --- Log review (loggkontroll) ---------------------------------------------------------------


def _period_bounds(start: datetime.date, end: datetime.date) -> tuple:
    """Return [start, end) in UTC for whole days START..END in Stockholm time."""
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=STOCKHOLM)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=STOCKHOLM
    )
    return since, until


def reviewable_events(*, period_start: datetime.date, period_end: datetime.date):
    """Return entries about a resident in the period, excluding log-review work itself."""
    since, until = _period_bounds(period_start, period_end)
    return (
        AuditEvent.objects.filter(
            occurred_at__gte=since, occurred_at__lt=until, resident__isnull=False
        )
        .exclude(action=Action.REVIEW)
        .exclude(purpose=Purpose.REVIEW)
    )


def _limited(seqs: list[int], limit: int, rng: random.Random) -> list[int]:
    seqs = sorted(set(seqs))
    return seqs if len(seqs) <= limit else sorted(rng.sample(seqs, limit))


def _many_residents_seqs(events, threshold: int) -> list[int]:
    """For each user who opened THRESHOLD or more residents in one day, the entry that tipped it."""
    day = TruncDate("occurred_at", tzinfo=STOCKHOLM)
    busy = (
        events.filter(actor__isnull=False)
        .annotate(day=day)
        .values("actor_id", "day")
        .annotate(residents=Count("resident_id", distinct=True))
        .filter(residents__gte=threshold)
    )
    found = []
    for group in busy:
        since, until = _period_bounds(group["day"], group["day"])
        seen: set[int] = set()
        entries = (
            events.filter(actor_id=group["actor_id"], occurred_at__gte=since, occurred_at__lt=until)
            .order_by("seq")
            .values_list("seq", "resident_id")
        )
        for seq, resident_id in entries:
            seen.add(resident_id)
            if len(seen) >= threshold:
                found.append(seq)
                break
    return found


@transaction.atomic
def start_review(
    *,
    actor,
    period_start: datetime.date,
    period_end: datetime.date,
    sample_size: int = 20,
    seed: int | None = None,
    request=None,
    many_threshold: int = 20,
    rule_limit: int = 100,
) -> LogReview:
    """Select log entries of the period by the review rules plus a random sample, and open a review.

    Rules: (a) emergency access; (b) the user's organisation is in another municipality than the
    resident's unit (users of region-wide organisations, e.g. the virtual clinic, are never
    flagged by this rule); (c) access between 22:00 and 06:00 Stockholm time; (d) a user opened
    MANY_THRESHOLD or more distinct residents in one day (the entry that reached the threshold is
    selected); (f) a booking that gave another clinician access (with the booker's reason);
    (e) a random sample of SAMPLE_SIZE of the remaining entries. Each rule selects at
    most RULE_LIMIT entries (a seeded random subset when more match), so a review stays doable.
    Entries already selected in an earlier review are not selected again.
    """
    if period_start > period_end:
        raise ValidationError(
            {"period_end": _("The end of the period must be on or after its start.")}
        )
    if period_end > timezone.localdate(timezone=STOCKHOLM):
        raise ValidationError({"period_end": _("The period cannot end in the future.")})
    if not 0 <= sample_size <= 500:
        raise ValidationError({"sample_size": _("Choose a sample size between 0 and 500.")})
    if seed is None:
        seed = random.SystemRandom().randrange(2**62)
    rng = random.Random(seed)
    already = LogReviewItem.objects.values("event_id")
    events = reviewable_events(period_start=period_start, period_end=period_end).exclude(
        seq__in=already
    )
    reasons: dict[int, list[str]] = {}

    def select(seqs, reason: str) -> None:
        for seq in _limited(list(seqs), rule_limit, rng):
            reasons.setdefault(seq, []).append(reason)

    select(
        events.filter(Q(purpose=Purpose.EMERGENCY) | Q(action=Action.EMERGENCY)).values_list(
            "seq", flat=True
        ),
        Reason.EMERGENCY,
    )
    select(
        events.filter(
            organisation__municipality__isnull=False, resident__unit__municipality__isnull=False
        )
        .exclude(organisation__municipality=F("resident__unit__municipality"))
        .values_list("seq", flat=True),
        Reason.OTHER_MUNICIPALITY,
    )
    select(
        events.annotate(hour=ExtractHour("occurred_at", tzinfo=STOCKHOLM))
        .filter(Q(hour__gte=22) | Q(hour__lt=6))
        .values_list("seq", flat=True),
        Reason.NIGHT,
    )
    select(_many_residents_seqs(events, many_threshold), Reason.MANY_RESIDENTS)
    # Booking another clinician gives them access around the visit; the booker's reason is shown.
    select(
        events.filter(
            action=Action.CREATE, object_type="booking", details__has_key="reason"
        ).values_list("seq", flat=True),
        Reason.BOOKED_OTHER,
    )
    others = [
        seq
        for seq in events.order_by("seq").values_list("seq", flat=True).iterator(chunk_size=5000)
        if seq not in reasons
    ]
    for seq in rng.sample(others, min(sample_size, len(others))):
        reasons[seq] = [Reason.RANDOM]

    now = timezone.now()
    review = LogReview.objects.create(
        created_by=actor,
        created_at=now,
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        seed=seed,
    )
    LogReviewItem.objects.bulk_create(
        [
            LogReviewItem(review=review, event_id=seq, reasons=[str(r) for r in codes])
            for seq, codes in sorted(reasons.items())
        ]
    )
    record(
        actor=actor,
        action=Action.REVIEW,
        object_type="log_review",
        object_id=review.pk,
        purpose=Purpose.REVIEW,
        request=request,
        details={
            "step": "start",
            "period": f"{period_start:%Y-%m-%d}/{period_end:%Y-%m-%d}",
            "items": len(reasons),
        },
    )
    return review


@transaction.atomic
def record_outcome(
    *, actor, item: LogReviewItem, outcome: str, note: str = "", request=None
) -> LogReviewItem:
    """Document the reviewer's finding for one selected entry."""
    item = (
        LogReviewItem.objects.select_for_update().select_related("review", "event").get(pk=item.pk)
    )
    if not item.review.is_open:
        raise ValidationError(_("This review is closed; its outcomes can no longer be changed."))
    if outcome not in Outcome.values or outcome == Outcome.PENDING:
        raise ValidationError({"outcome": _("Choose an outcome for the entry.")})
    note = note.strip()
    if outcome != Outcome.JUSTIFIED and not note:
        raise ValidationError(
            {"note": _("Write a note: what is unclear, or what follow-up is needed.")}
        )
    item.outcome = outcome
    item.note = note
    item.reviewed_by = actor
    item.reviewed_at = timezone.now()
    item.save(update_fields=["outcome", "note", "reviewed_by", "reviewed_at"])
    record(
        actor=actor,
        action=Action.REVIEW,
        resident=item.event.resident,
        object_type="log_review_item",
        object_id=item.pk,
        purpose=Purpose.REVIEW,
        request=request,
        details={"review": item.review_id, "event": item.event_id, "outcome": outcome},
    )
    return item


@transaction.atomic
def close_review(*, actor, review: LogReview, summary: str, request=None) -> LogReview:
    """Close a review once every entry has an outcome, with a summary of the findings."""
    review = LogReview.objects.select_for_update().get(pk=review.pk)
    if not review.is_open:
        raise ValidationError(_("This review is already closed."))
    pending = review.items.filter(outcome=Outcome.PENDING).count()
    if pending:
        raise ValidationError(
            ngettext(
                "The review cannot be closed: %(count)d entry has no outcome yet. Record an "
                "outcome for it first.",
                "The review cannot be closed: %(count)d entries have no outcome yet. Record an "
                "outcome for each of them first.",
                pending,
            )
            % {"count": pending}
        )
    summary = summary.strip()
    if not summary:
        raise ValidationError({"summary": _("Write a summary of the review's findings.")})
    review.status = LogReview.Status.CLOSED
    review.closed_by = actor
    review.closed_at = timezone.now()
    review.summary = summary
    review.save(update_fields=["status", "closed_by", "closed_at", "summary"])
    record(
        actor=actor,
        action=Action.REVIEW,
        object_type="log_review",
        object_id=review.pk,
        purpose=Purpose.REVIEW,
        request=request,
        details={"step": "close"},
    )
    return review
