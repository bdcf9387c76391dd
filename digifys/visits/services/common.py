"""What every part of the video services shares: settings, close codes, who may enter."""

from django.conf import settings
from django.utils.translation import gettext as _

from digifys.consults import routing
from digifys.residents.services import NotEligible
from digifys.visits.models import BEDSIDE_ROLES, CallEvent, Participant, Room

GUEST_SESSION_KEY = "visits_guests"
MAX_CODE_ATTEMPTS = 5
Status = Participant.Status
Event = CallEvent.Kind

# A browser mesh sends every stream to every other participant: four (physician, bedside
# tablet, relative, interpreter) is what a rural uplink carries. Larger calls need an SFU
# (docs/operations.md).
MESH_LIMIT = 4


def room_group(room_id: int) -> str:
    """The channel-layer group of a room's sockets."""
    return f"visit-{room_id}"


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


def may_enter(user, room: Room) -> bool:
    return Room.objects.visible_to(user).filter(pk=room.pk).exists()


def ensure_may_hold(host, resident) -> None:
    """Refuse a video visit with HOST about RESIDENT where the virtual clinic may not serve them.

    The rule of issue 19 item 2 (`consults.routing.may_serve`), applied to video visits (issue 12
    §4 item 17): not with a physician abroad for a resident who is not eligible.
    """
    if resident is not None and (reason := routing.care_refusal(host, resident)):
        raise NotEligible(reason)


def join_refusal(user, room: Room) -> str | None:
    """Why USER (staff) may not join ROOM about a resident the clinic abroad may not serve."""
    staff = getattr(user, "staff_profile", None) if user is not None else None
    if staff is None or room.resident_id is None:
        return None
    return routing.care_refusal(staff, room.resident)


def _is_unit_nurse(user, unit_id: int) -> bool:
    return getattr(user, "role", None) in BEDSIDE_ROLES and user.works_on(unit_id)


def _user_kind(user) -> str:
    return user.role.value if user.role is not None else ""


def closed_message(room: Room) -> str:
    state = room.state()
    if state == "ended":
        return _("This video visit has ended.")
    if state == "early":
        return _("This video visit has not opened yet.")
    return _("This video visit is closed.")
