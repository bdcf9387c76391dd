"""Guests: a one-time link and a separate six-digit code for a relative or an interpreter."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.audit import services as audit
from digifys.core.time import STOCKHOLM
from digifys.notifications import channels
from digifys.visits.models import GuestInvite, Participant, Room

from .common import (
    GUEST_SESSION_KEY,
    MAX_CODE_ATTEMPTS,
    Event,
    Status,
    closed_message,
    setting,
)
from .record import log_event


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
    elif kind == GuestInvite.Kind.RELATIVE and room.is_family_meeting:
        errors["kind"] = _(
            "Relatives are invited by name to a family meeting, from the list of the "
            "resident's relatives."
        )
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
