"""Video rooms: who may enter, who is in the room, guest invitations and the record of a call.

Only the bookkeeping of a call is stored (who was invited, joined, waited, was admitted, left,
when, and for how long). No audio or video is ever recorded or passes through the application
server: media flows browser to browser (WebRTC mesh) or, in rooms of more than four, through
the SFU (Janus, which records nothing); the application only relays signalling messages.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from digifys.accounts.models import Role
from digifys.directory.models import Organisation, StaffProfile

BEDSIDE_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE)


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RoomQuerySet":
        """Rooms USER may enter (careteams.policy.room_filter_for)."""
        # Imported here: the policy imports this module.
        from digifys.careteams.policy import room_filter_for

        return self.filter(room_filter_for(user))

    def record_visible_to(self, user) -> "RoomQuerySet":
        """Rooms whose call record USER may read: those above, and coordinators all rooms.

        The call record is organisation data (who took part, when, how long), which
        coordinators see for every resident (careteams.policy.resident_filter_for).
        """
        if getattr(user, "role", None) == Role.COORDINATOR and user.is_active:
            return self.all()
        return self.visible_to(user)


class Room(models.Model):
    """A video room for a consult, a booking or a ward round."""

    class Kind(models.TextChoices):
        CONSULT = "consult", _("Consult")
        BOOKING = "booking", _("Booking")
        ROUND = "round", _("Ward round")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    consult = models.ForeignKey(
        "consults.Consult",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="video_rooms",
        verbose_name=_("consult"),
    )
    booking = models.ForeignKey(
        "scheduling.Booking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="video_rooms",
        verbose_name=_("booking"),
    )
    round = models.ForeignKey(
        "rounds.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="video_rooms",
        verbose_name=_("ward round"),
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="video_rooms",
        verbose_name=_("resident"),
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    host = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, related_name="hosted_rooms", verbose_name=_("host")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # More than four (visits.services.common.MESH_LIMIT) runs on the SFU (Janus).
    max_participants = models.PositiveSmallIntegerField(_("participants at most"), default=4)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = _("video room")
        verbose_name_plural = _("video rooms")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="consult",
                        consult__isnull=False,
                        booking__isnull=True,
                        round__isnull=True,
                    )
                    | Q(
                        kind="booking",
                        consult__isnull=True,
                        booking__isnull=False,
                        round__isnull=True,
                    )
                    | Q(
                        kind="round",
                        consult__isnull=True,
                        booking__isnull=True,
                        round__isnull=False,
                    )
                ),
                name="visits_room_exactly_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(kind="round") | Q(resident__isnull=False),
                name="visits_room_resident_unless_round",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="visits_room_closes_after"
            ),
        ]
        indexes = [models.Index(fields=["unit", "opens_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def title(self) -> str:
        """A title without resident data (guests see it too)."""
        return _("Video visit with %(host)s, %(unit)s") % {
            "host": self.host.user.get_full_name(),
            "unit": self.unit.name,
        }

    @property
    def is_family_meeting(self) -> bool:
        return self.booking_id is not None and self.booking.kind == "family_meeting"

    def state(self, at=None) -> str:
        """Return "early", "open", "closed" or "ended"."""
        at = at or timezone.now()
        if self.ended_at is not None:
            return "ended"
        if at < self.opens_at:
            return "early"
        if at >= self.closes_at:
            return "closed"
        return "open"

    def is_open(self, at=None) -> bool:
        return self.state(at) == "open"


class RoomRecordQuerySet(models.QuerySet):
    """Rows belonging to a room: visible with the room."""

    def visible_to(self, user) -> "RoomRecordQuerySet":
        return self.filter(room__in=Room.objects.visible_to(user))

    def record_visible_to(self, user) -> "RoomRecordQuerySet":
        return self.filter(room__in=Room.objects.record_visible_to(user))


class Participant(models.Model):
    """Someone in (or invited to, or waiting for) a room: staff by user, guests by invitation."""

    class Role(models.TextChoices):
        HOST = "host", _("Host")
        STAFF = "staff", _("Staff")
        GUEST = "guest", _("Guest")
        RELATIVE = "relative", _("Relative")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        WAITING = "waiting", _("Waiting")
        ADMITTED = "admitted", _("Admitted")
        REMOVED = "removed", _("Removed")
        LEFT = "left", _("Left")

    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="participants", verbose_name=_("room")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    guest = models.OneToOneField(
        "GuestInvite",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participant",
        verbose_name=_("guest invitation"),
    )
    # A registered relative invited by name (a family meeting): joins with their own login.
    relative = models.ForeignKey(
        "residents.Relative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relative"),
    )
    display_name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role in the call"), max_length=10, choices=Role.choices)
    kind = models.CharField(
        _("kind"), max_length=20, blank=True, help_text=_("physician, nurse, relative…")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    first_joined_at = models.DateTimeField(_("first joined at"), null=True, blank=True)
    connected_at = models.DateTimeField(_("connected at"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("admitted at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    connected = models.BooleanField(_("connected"), default=False)
    channel_name = models.CharField(_("channel"), max_length=200, blank=True)

    objects = RoomRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["room", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"],
                condition=Q(user__isnull=False),
                name="visits_one_participant_per_user",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, guest__isnull=True)
                | Q(user__isnull=True, guest__isnull=False),
                name="visits_participant_user_or_guest",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_host(self) -> bool:
        return self.role == self.Role.HOST

    def as_json(self, *, kind: bool = False) -> dict:
        data = {"id": self.pk, "name": self.display_name, "role": self.role}
        if kind:
            data["kind"] = self.kind
        return data


class GuestInvite(models.Model):
    """A one-time, time-limited link plus a six-digit code for a relative or an interpreter.

    Only hashes are stored: the link's token travels in the URL, the code in a message.
    """

    class Kind(models.TextChoices):
        RELATIVE = "relative", _("Relative")
        INTERPRETER = "interpreter", _("Interpreter")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="invites", verbose_name=_("room")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    channel = models.CharField(_("sent by"), max_length=10, choices=Channel.choices)
    token_hash = models.CharField(_("link (hash)"), max_length=64, unique=True)
    code_hash = models.CharField(_("code (hash)"), max_length=64)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RoomRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("guest invitation")
        verbose_name_plural = _("guest invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="email") & ~Q(email="")) | (Q(channel="sms") & ~Q(phone="")),
                name="visits_invite_has_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class CallEvent(models.Model):
    """One event of a call, for the record; durations in seconds are kept in `detail`."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invited")
        JOINED = "joined", _("Joined")
        WAITING = "waiting", _("Waiting")
        ADMITTED = "admitted", _("Admitted")
        REMOVED = "removed", _("Removed")
        LEFT = "left", _("Left")
        ENDED = "ended", _("Ended")
        RECONNECTED = "reconnected", _("Reconnected")
        FALLBACK_THREAD = "fallback_thread", _("Continued in the message thread")

    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="events", verbose_name=_("room")
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("participant"),
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    objects = RoomRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["room", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M:%S}"

    @property
    def duration_seconds(self) -> int | None:
        return (self.detail or {}).get("duration_seconds")
