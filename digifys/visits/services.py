"""Writes for video rooms: opening rooms, guests, the waiting room and the record of a call.

No audio or video is ever recorded: media flows browser to browser (WebRTC mesh, through a TURN
relay when needed), and the server stores only the bookkeeping of a call — who was invited,
joined, waited, was admitted, removed or left, when, and for how long. Each such event is a
`CallEvent` on the room and an entry in the access log (object type "video_call", the event in
`details`), so the log shows who took part in a call about which resident.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.notifications import channels

from .models import BEDSIDE_ROLES, CallEvent, GuestInvite, Participant, Room

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GUEST_SESSION_KEY = "visits_guests"
MAX_CODE_ATTEMPTS = 5
Status = Participant.Status
Event = CallEvent.Kind

# The access-log action for each call event: taking part in a call about a resident is an
# access to the resident's data ("read"); the host's decisions change the room ("update").
AUDIT_ACTIONS = {
    Event.INVITED: "create",
    Event.JOINED: "read",
    Event.WAITING: "read",
    Event.RECONNECTED: "read",
    Event.FALLBACK_THREAD: "update",
    Event.ADMITTED: "update",
    Event.REMOVED: "update",
    Event.LEFT: "update",
    Event.ENDED: "update",
}


# A browser mesh sends every stream to every other participant: four (physician, bedside
# tablet, relative, interpreter) is what a rural uplink carries. Larger calls need an SFU
# (docs/operations.md).
MESH_LIMIT = 4


def setting(name: str, default):
    return getattr(settings, name, default)


class JoinRefused(Exception):
    """A participant may not (or no longer) join: CODE is the WebSocket close code."""

    def __init__(self, code: int, message: str = "", reason: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason


NOT_LOGGED_IN, FORBIDDEN, NO_ROOM, NOT_OPEN = 4401, 4403, 4404, 4409


# --- Access ----------------------------------------------------------------------------------


def may_enter(user, room: Room) -> bool:
    return Room.objects.visible_to(user).filter(pk=room.pk).exists()


def _is_unit_nurse(user, unit_id: int) -> bool:
    return (
        getattr(user, "role", None) in BEDSIDE_ROLES
        and user.staff_profile.units.filter(pk=unit_id).exists()
    )


def _user_kind(user) -> str:
    return user.role.value if user.role is not None else ""


def closed_message(room: Room) -> str:
    state = room.state()
    if state == "ended":
        return _("This video visit has ended.")
    if state == "early":
        return _("This video visit has not opened yet.")
    return _("This video visit is closed.")


# --- The record of the call -------------------------------------------------------------------


def log_event(
    *,
    room: Room,
    kind: str,
    participant: Participant | None = None,
    actor=None,
    request=None,
    detail: dict | None = None,
) -> CallEvent:
    """Store a call event and its access-log entry."""
    detail = dict(detail or {})
    event = CallEvent.objects.create(room=room, kind=kind, participant=participant, detail=detail)
    audit_details = {"event": str(kind), "room": room.pk, **detail}
    if participant is not None:
        audit_details.update(
            participant=participant.pk, name=participant.display_name, role=participant.role
        )
    if actor is None and participant is not None and participant.user_id is not None:
        actor = participant.user
    audit.record(
        actor=actor,
        action=AUDIT_ACTIONS[kind],
        resident=room.resident,
        object_type="video_call",
        object_id=room.pk,
        request=request,
        details=audit_details,
    )
    return event


def _seconds(since, until) -> int | None:
    if since is None:
        return None
    return max(0, int((until - since).total_seconds()))


# --- Opening rooms ----------------------------------------------------------------------------


def _window(starts_at, ends_at) -> tuple[datetime.datetime, datetime.datetime]:
    before = datetime.timedelta(minutes=setting("VIDEO_OPEN_BEFORE_MINUTES", 10))
    after = datetime.timedelta(minutes=setting("VIDEO_CLOSE_AFTER_MINUTES", 30))
    return starts_at - before, ends_at + after


def _create_room(*, actor, request=None, **fields) -> Room:
    room = Room.objects.create(created_by=actor, **fields)
    audit.record(
        actor=actor,
        action="create",
        resident=room.resident,
        object_type="video_room",
        object_id=room.pk,
        request=request,
        details={"kind": room.kind},
    )
    return room


@transaction.atomic
def open_room_for_consult(*, actor, consult, request=None) -> Room:
    """Return the consult's open room, or open one now for VIDEO_CONSULT_ROOM_MINUTES."""
    host_user_id = consult.assigned_to.user_id
    if actor.pk != host_user_id and not _is_unit_nurse(actor, consult.unit_id):
        raise PermissionDenied
    now = timezone.now()
    room = (
        Room.objects.select_for_update(of=("self",))
        .filter(consult=consult, ended_at__isnull=True, closes_at__gt=now)
        .first()
    )
    if room is not None:
        return room
    if not consult.is_open:
        raise ValidationError(_("The consult is closed; a video visit can no longer be started."))
    ends_at = now + datetime.timedelta(minutes=setting("VIDEO_CONSULT_ROOM_MINUTES", 60))
    return _create_room(
        actor=actor,
        request=request,
        kind=Room.Kind.CONSULT,
        consult=consult,
        resident=consult.resident,
        unit=consult.unit,
        host=consult.assigned_to,
        starts_at=now,
        ends_at=ends_at,
        opens_at=now,
        closes_at=ends_at,
    )


@transaction.atomic
def open_room_for_booking(*, actor, booking, request=None) -> Room:
    """Return the booking's room, creating it (open around the booked time)."""
    if actor.pk != booking.clinician.user_id and not _is_unit_nurse(actor, booking.unit_id):
        raise PermissionDenied
    room = Room.objects.select_for_update(of=("self",)).filter(booking=booking).first()
    if room is not None:
        return room
    if booking.cancelled_at is not None:
        raise ValidationError(_("The booking is cancelled."))
    opens_at, closes_at = _window(booking.starts_at, booking.ends_at)
    return _create_room(
        actor=actor,
        request=request,
        kind=Room.Kind.BOOKING,
        booking=booking,
        resident=booking.resident,
        unit=booking.unit,
        host=booking.clinician,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def open_room_for_round(*, actor, round, request=None) -> Room:
    """Return the ward round's room, creating it (open around the round's time)."""
    if round.physician is None:
        raise ValidationError(_("The ward round has no physician yet."))
    if actor.pk != round.physician.user_id and not _is_unit_nurse(actor, round.unit_id):
        raise PermissionDenied
    room = Room.objects.select_for_update(of=("self",)).filter(round=round).first()
    if room is not None:
        return room
    if round.status == round.Status.CANCELLED:
        raise ValidationError(_("The ward round is cancelled."))
    opens_at, closes_at = _window(round.starts_at, round.ends_at)
    return _create_room(
        actor=actor,
        request=request,
        kind=Room.Kind.ROUND,
        round=round,
        resident=None,
        unit=round.unit,
        host=round.physician,
        starts_at=round.starts_at,
        ends_at=round.ends_at,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def participant_for_user(*, room: Room, user) -> Participant:
    """Return USER's participant row in ROOM, creating it (access is checked by the caller)."""
    participant = Participant.objects.filter(room=room, user=user).first()
    if participant is not None:
        return participant
    is_host = room.host.user_id == user.pk
    return Participant.objects.create(
        room=room,
        user=user,
        display_name=(user.get_full_name() or user.get_username())[:200],
        role=Participant.Role.HOST if is_host else Participant.Role.STAFF,
        kind=_user_kind(user),
        status=Status.ADMITTED if is_host else Status.INVITED,
    )


# --- Joining, the waiting room, leaving (used by the consumer) --------------------------------


def identify(*, room_id: int, user=None, guest_participants: dict | None = None) -> Participant:
    """Return who is connecting to ROOM_ID, or raise JoinRefused with the close code."""
    room = Room.objects.select_related("host__user", "unit").filter(pk=room_id).first()
    participant = None
    guest_id = (guest_participants or {}).get(str(room_id))
    staff = user is not None and user.is_authenticated
    if guest_id is not None:
        participant = (
            Participant.objects.filter(pk=guest_id, room_id=room_id, role=Participant.Role.GUEST)
            .select_related("room")
            .first()
        )
    if room is None:
        if staff or guest_participants:
            raise JoinRefused(NO_ROOM, _("There is no such video visit."), "no_room")
        raise JoinRefused(NOT_LOGGED_IN, _("Log in to join the video visit."), "login")
    if participant is None:
        if not staff:
            raise JoinRefused(NOT_LOGGED_IN, _("Log in to join the video visit."), "login")
        if not may_enter(user, room):
            raise JoinRefused(FORBIDDEN, _("You are not invited to this video visit."), "forbidden")
        participant = participant_for_user(room=room, user=user)
    participant.room = room
    if participant.status == Status.REMOVED:
        raise JoinRefused(FORBIDDEN, _("You were removed from this video visit."), "removed")
    if not room.is_open():
        raise JoinRefused(NOT_OPEN, closed_message(room), "closed")
    return participant


@transaction.atomic
def hello(*, participant_id: int, channel_name: str) -> Participant:
    """Mark the participant connected on CHANNEL_NAME; put them in the waiting room or in."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("room__host__user", "room__resident", "user")
        .get(pk=participant_id)
    )
    room = participant.room
    if participant.status == Status.REMOVED:
        raise JoinRefused(FORBIDDEN, _("You were removed from this video visit."), "removed")
    if not room.is_open():
        raise JoinRefused(NOT_OPEN, closed_message(room), "closed")
    now = timezone.now()
    first = participant.first_joined_at is None
    was_connected = participant.connected
    participant.connected = True
    participant.channel_name = channel_name
    participant.connected_at = now
    participant.left_at = None
    if first:
        participant.first_joined_at = now
    fields = ["connected", "channel_name", "connected_at", "left_at", "first_joined_at"]
    auto_admit = participant.role == Participant.Role.STAFF and setting(
        "VIDEO_AUTO_ADMIT_STAFF", False
    )
    events = []
    if auto_admit and participant.status != Status.ADMITTED:
        # A full room: the staff member waits for the host like everybody else.
        auto_admit = _admitted_count(room.pk) < MESH_LIMIT
    if participant.is_host or (auto_admit and participant.status != Status.ADMITTED):
        if participant.status != Status.ADMITTED:
            participant.status = Status.ADMITTED
            participant.admitted_at = participant.admitted_at or now
            fields += ["status", "admitted_at"]
            events.append(Event.ADMITTED)
    elif participant.status != Status.ADMITTED and participant.status != Status.WAITING:
        participant.status = Status.WAITING
        fields.append("status")
        events.append(Event.WAITING)
    elif participant.status == Status.WAITING and not was_connected:
        events.append(Event.WAITING)
    participant.save(update_fields=fields)
    kind = Event.JOINED if first else Event.RECONNECTED
    log_event(room=room, kind=kind, participant=participant)
    for event in events:
        # The host's own entry into the room is not a separate admission.
        if not (participant.is_host and event == Event.ADMITTED):
            log_event(room=room, kind=event, participant=participant)
    return participant


def _target(room_id: int, participant_id) -> Participant:
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        raise ValidationError(_("No such participant in this call.")) from None
    target = (
        Participant.objects.select_for_update(of=("self",))
        .filter(room_id=room_id, pk=participant_id)
        .select_related("room__resident", "user")
        .first()
    )
    if target is None:
        raise ValidationError(_("No such participant in this call."))
    return target


def _require_host(actor: Participant) -> None:
    if not actor.is_host:
        raise PermissionDenied(_("Only the host can do this."))


@transaction.atomic
def admit(*, actor: Participant, participant_id) -> Participant:
    """The host lets a waiting participant in."""
    _require_host(actor)
    target = _target(actor.room_id, participant_id)
    if target.status == Status.ADMITTED:
        return target
    if target.status != Status.WAITING or not target.connected:
        raise ValidationError(_("%(name)s is not waiting.") % {"name": target.display_name})
    if _admitted_count(target.room_id) >= MESH_LIMIT:
        raise ValidationError(
            _(
                "A video visit holds at most %(limit)d participants. Remove someone before "
                "letting %(name)s in."
            )
            % {"limit": MESH_LIMIT, "name": target.display_name}
        )
    target.status = Status.ADMITTED
    target.admitted_at = timezone.now()
    target.save(update_fields=["status", "admitted_at"])
    log_event(room=target.room, kind=Event.ADMITTED, participant=target, actor=actor.user)
    return target


@transaction.atomic
def remove(*, actor: Participant, participant_id) -> Participant:
    """The host removes a participant (or turns a waiting one away); they cannot come back."""
    _require_host(actor)
    target = _target(actor.room_id, participant_id)
    if target.is_host:
        raise ValidationError(_("The host cannot be removed."))
    if target.status == Status.REMOVED:
        return target
    now = timezone.now()
    duration = _seconds(target.connected_at, now) if target.connected else None
    target.status = Status.REMOVED
    target.connected = False
    target.left_at = now
    target.save(update_fields=["status", "connected", "left_at"])
    if target.guest_id is not None:
        # A removed guest's link must not work again either.
        GuestInvite.objects.filter(pk=target.guest_id, used_at__isnull=True).update(used_at=now)
    log_event(
        room=target.room,
        kind=Event.REMOVED,
        participant=target,
        actor=actor.user,
        detail={"duration_seconds": duration} if duration is not None else None,
    )
    return target


@transaction.atomic
def end_room(*, actor, room: Room, request=None) -> Room:
    """The host ends the room: everybody leaves and nobody can join again."""
    room = Room.objects.select_for_update(of=("self",)).select_related("resident").get(pk=room.pk)
    if room.host.user_id != actor.pk:
        raise PermissionDenied(_("Only the host can end the video visit."))
    if room.ended_at is not None:
        return room
    now = timezone.now()
    room.ended_at = now
    room.save(update_fields=["ended_at"])
    for participant in room.participants.filter(status__in=(Status.ADMITTED, Status.WAITING)):
        if participant.connected:
            _leave(participant, now)
    first_join = room.events.filter(kind=Event.JOINED).order_by("at").first()
    duration = _seconds(first_join.at if first_join else None, now)
    log_event(
        room=room,
        kind=Event.ENDED,
        actor=actor,
        request=request,
        detail={"duration_seconds": duration} if duration is not None else None,
    )
    return room


def _leave(participant: Participant, now, *, explicit: bool = True) -> None:
    duration = _seconds(participant.connected_at, now)
    participant.connected = False
    participant.left_at = now
    fields = ["connected", "left_at"]
    if explicit:
        participant.status = Status.LEFT
        fields.append("status")
    participant.save(update_fields=fields)
    detail = {"duration_seconds": duration} if duration is not None else {}
    if not explicit:
        detail["disconnected"] = True
    log_event(room=participant.room, kind=Event.LEFT, participant=participant, detail=detail)


@transaction.atomic
def leave(*, participant_id: int, channel_name: str, explicit: bool) -> Participant | None:
    """Record that a participant left (EXPLICIT) or that their socket closed.

    An admitted participant whose socket closes stays admitted, so a reconnect after a network
    blip brings them straight back; one who leaves on purpose waits for the host again.
    Returns None when the socket was not the participant's current one (a stale tab).
    """
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("room__resident", "user")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or participant.channel_name != channel_name:
        return None
    if not participant.connected:
        return participant
    _leave(participant, timezone.now(), explicit=explicit)
    return participant


@transaction.atomic
def record_fallback(*, room: Room, user, request=None) -> None:
    """Note that a participant continued in the consult's message thread."""
    participant = Participant.objects.filter(room=room, user=user).first()
    log_event(
        room=room, kind=Event.FALLBACK_THREAD, participant=participant, actor=user, request=request
    )


def waiting_list(room_id: int) -> list[dict]:
    participants = Participant.objects.filter(
        room_id=room_id, status=Status.WAITING, connected=True
    ).order_by("connected_at", "pk")
    return [p.as_json(kind=True) for p in participants]


def _admitted_count(room_id: int) -> int:
    return Participant.objects.filter(room_id=room_id, status=Status.ADMITTED).count()


def admitted_others(room_id: int, participant_id: int) -> list[dict]:
    participants = (
        Participant.objects.filter(room_id=room_id, status=Status.ADMITTED, connected=True)
        .exclude(pk=participant_id)
        .order_by("pk")
    )
    return [p.as_json() for p in participants]


def relay_target(*, room_id: int, sender_id: int, target_id) -> str | None:
    """Return the channel of TARGET_ID when sender and target are both admitted and connected."""
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        return None
    rows = dict(
        Participant.objects.filter(
            room_id=room_id,
            pk__in=[sender_id, target_id],
            status=Status.ADMITTED,
            connected=True,
        ).values_list("pk", "channel_name")
    )
    if sender_id not in rows or target_id not in rows or sender_id == target_id:
        return None
    return rows[target_id]


def is_admitted(participant_id: int) -> bool:
    return Participant.objects.filter(pk=participant_id, status=Status.ADMITTED).exists()


# --- ICE servers ------------------------------------------------------------------------------


def turn_credentials(*, participant_id: int, secret: str, ttl: int, now: float | None = None):
    """Return (username, credential) by the TURN REST convention (coturn use-auth-secret)."""
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{participant_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, participant: Participant) -> dict:
    """Return the browser's RTCConfiguration iceServers, with time-limited TURN credentials."""
    ttl = int(setting("VIDEO_TURN_TTL", 6 * 60 * 60))
    servers = []
    stun = list(setting("VIDEO_STUN_URLS", []) or [])
    if stun:
        servers.append({"urls": stun})
    turn = list(setting("VIDEO_TURN_URLS", []) or [])
    secret = setting("VIDEO_TURN_SECRET", "")
    if turn and secret:
        username, credential = turn_credentials(
            participant_id=participant.pk, secret=secret, ttl=ttl
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return {"iceServers": servers, "ttl": ttl}


# --- Guests -----------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _code_hash(token_hash: str, code: str) -> str:
    # Keyed, because six digits alone would be found by trying them all against a leaked hash.
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"visits-guest:{token_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def _guest_expiry(room: Room, now) -> datetime.datetime:
    minutes = datetime.timedelta(minutes=setting("VIDEO_GUEST_LINK_MINUTES", 24 * 60))
    return min(room.closes_at, max(now, room.opens_at) + minutes)


@transaction.atomic
def invite_guest(
    *, actor, room: Room, name: str, kind: str, email: str = "", phone: str = "", request=None
) -> GuestInvite:
    """Invite a relative or an interpreter: a one-time link and a six-digit code.

    The link and the code go out as two separate messages over the same channel (SMS when a
    mobile number is given, else e-mail): a forwarded or previewed link alone does not let
    anybody in, and a link scanner that opens the link does not use it up (only the code does).
    """
    if room.host.user_id != actor.pk:
        raise PermissionDenied(_("Only the host can invite guests."))
    name, email, phone = name.strip(), email.strip(), phone.strip()
    errors = {}
    if not name:
        errors["name"] = _("Write the guest's name.")
    if kind not in GuestInvite.Kind.values:
        errors["kind"] = _("Choose relative or interpreter.")
    if not email and not phone:
        errors["email"] = _("Give an e-mail address or a mobile number for the link and code.")
    if room.state() in ("ended", "closed"):
        errors["__all__"] = closed_message(room)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    token_hash = _token_hash(token)
    channel = GuestInvite.Channel.SMS if phone else GuestInvite.Channel.EMAIL
    invite = GuestInvite.objects.create(
        room=room,
        name=name[:200],
        kind=kind,
        email=email,
        phone=phone,
        channel=channel,
        token_hash=token_hash,
        code_hash=_code_hash(token_hash, code),
        expires_at=_guest_expiry(room, now),
        created_by=actor,
    )
    participant = Participant.objects.create(
        room=room,
        guest=invite,
        display_name=invite.name,
        role=Participant.Role.GUEST,
        kind=kind,
        status=Status.INVITED,
    )
    log_event(
        room=room,
        kind=Event.INVITED,
        participant=participant,
        actor=actor,
        request=request,
        detail={"kind": kind, "channel": channel},
    )
    path = reverse("visits:guest_join", kwargs={"token": token})
    link = request.build_absolute_uri(path) if request is not None else _absolute(path)
    to = phone if channel == GuestInvite.Channel.SMS else email
    opens = timezone.localtime(room.opens_at, STOCKHOLM)
    subject = _("Invitation to a video visit")
    host = room.host.user.get_full_name()
    first = _(
        "%(host)s invites you to a video visit. Open this link in your browser: %(link)s "
        "The visit opens %(opens)s (Swedish time). You will receive a code in a separate message."
    ) % {"host": host, "link": link, "opens": opens.strftime("%Y-%m-%d %H:%M")}
    second = _("Your code for the video visit with %(host)s: %(code)s. It can be used once.") % {
        "host": host,
        "code": code,
    }
    transaction.on_commit(
        lambda: (
            channels.send(channel=channel, to=to, subject=subject, body=first),
            channels.send(channel=channel, to=to, subject=subject, body=second),
        )
    )
    # For the caller (tests, the demo): never stored.
    invite.token = token
    invite.code = code
    return invite


def _absolute(path: str) -> str:
    base = setting("SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path


def invite_for_token(token: str) -> GuestInvite | None:
    return (
        GuestInvite.objects.select_related("room__host__user", "room__unit", "participant")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )


def link_problem(invite: GuestInvite | None, now=None) -> str:
    """Return why the link cannot be used (translated), or "" when it can."""
    now = now or timezone.now()
    if invite is None:
        return _("This link is not valid. Check that you copied the whole link.")
    if invite.used_at is not None:
        return _(
            "This link has already been used. Each link works once: ask the physician or the "
            "nurse for a new invitation."
        )
    if invite.attempts >= MAX_CODE_ATTEMPTS:
        return _(
            "The code was entered wrongly too many times and the link is locked. Ask the "
            "physician or the nurse for a new invitation."
        )
    if invite.expires_at <= now or invite.room.state() in ("ended", "closed"):
        return _("This link has expired. Ask the physician or the nurse for a new invitation.")
    return ""


def redeem_guest_link(*, token: str, code: str, request=None) -> Participant:
    """Use a guest link once with its code; return the guest's participant row.

    A wrong code counts (and is committed) even though the call fails; after
    MAX_CODE_ATTEMPTS wrong codes the link is locked.
    """
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        invite = GuestInvite.objects.select_for_update(of=("self",)).filter(
            token_hash=_token_hash(token)
        )
        invite = invite.select_related("room__host__user", "room__resident").first()
        problem = link_problem(invite)
        if problem:
            raise ValidationError(problem)
        if not hmac.compare_digest(invite.code_hash, _code_hash(invite.token_hash, code)):
            invite.attempts += 1
            invite.save(update_fields=["attempts"])
            left = MAX_CODE_ATTEMPTS - invite.attempts
            error = None
        else:
            invite.used_at = timezone.now()
            invite.save(update_fields=["used_at"])
            participant = Participant.objects.get(guest=invite)
            audit.record(
                actor=None,
                action="update",
                resident=invite.room.resident,
                object_type="video_invite",
                object_id=invite.pk,
                request=request,
                details={"event": "link_used", "room": invite.room_id, "name": invite.name},
            )
            error = False
    if error is None:
        # Raised after the transaction so the counted attempt is kept.
        if left <= 0:
            raise ValidationError({"code": link_problem(invite)})
        raise ValidationError(
            {
                "code": _("The code is wrong. %(left)s attempts left.") % {"left": left}
                if left > 1
                else _("The code is wrong. One attempt left.")
            }
        )
    if request is not None:
        guests = dict(request.session.get(GUEST_SESSION_KEY, {}))
        guests[str(invite.room_id)] = participant.pk
        request.session[GUEST_SESSION_KEY] = guests
    return participant
