"""What people choose delivery for: notification kinds grouped into topics, with defaults.

A topic is a handful of kinds that a person thinks of as one thing ("tasks", "updates"). The
preference is stored per user and kind (`NotificationPreference`); the settings page sets every
kind of a topic at once. Relatives (and residents who log in) see the citizen topics; staff see
the staff topics.

Defaults, when a person has chosen nothing:

- relatives and residents: e-mail for every topic (they are rarely logged in; the in-app list
  alone would go unseen);
- staff: in-app only, except a consult that missed its deadline (`consult_escalated`), which goes
  by e-mail. A missed consult is a safety problem: the physician it moves to may not be looking at
  the screen. Staff may switch it to SMS but not off (`required`).

Kinds in `NEVER_WAIT` are sent at once even during quiet hours: a consult's deadline can be ten
minutes away, and holding its notice until morning would defeat the deadline.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Channel, Notification

Kind = Notification.Kind

CITIZEN = "citizen"
STAFF = "staff"


@dataclass(frozen=True)
class Topic:
    key: str
    label: Promise
    help: Promise
    kinds: tuple[str, ...]
    audience: str
    default: str
    required: bool = False  # no "only in digifys" choice


TOPICS = (
    Topic(
        "updates",
        _("Updates from the staff"),
        _("A nurse or physician has written a short update about your relative."),
        (Kind.RELATIVE_UPDATE,),
        CITIZEN,
        Channel.EMAIL,
    ),
    Topic(
        "answers",
        _("Answers to your messages"),
        _("The care team has answered a message you wrote."),
        (Kind.MESSAGE_ANSWERED,),
        CITIZEN,
        Channel.EMAIL,
    ),
    Topic(
        "meetings",
        _("Invitations to family meetings"),
        _("You are invited to a family meeting by video."),
        (Kind.MEETING_INVITATION,),
        CITIZEN,
        Channel.EMAIL,
    ),
    Topic(
        "condition",
        _("Condition notices"),
        _("The staff tell you that the doctor has been contacted (no details in the message)."),
        (Kind.CONDITION_NOTICE,),
        CITIZEN,
        Channel.EMAIL,
    ),
    Topic(
        "survey",
        _("Questionnaires"),
        _("A short questionnaire about how you find the care."),
        (Kind.SURVEY,),
        CITIZEN,
        Channel.EMAIL,
    ),
    Topic(
        "consults",
        _("Consults"),
        _("New consults, answers, messages in a consult and consults handed over to you."),
        (Kind.CONSULT_NEW, Kind.CONSULT_ANSWERED, Kind.MESSAGE, Kind.CONSULT_HANDED_OVER),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "consult_escalated",
        _("Consult deadline missed"),
        _(
            "A consult missed its deadline and moved on. This is a safety matter: it is always "
            "sent by e-mail or SMS, also during quiet hours."
        ),
        (Kind.CONSULT_ESCALATED,),
        STAFF,
        Channel.EMAIL,
        required=True,
    ),
    Topic(
        "tasks",
        _("Tasks"),
        _("New, overdue and completed tasks on your units."),
        (Kind.TASK_NEW, Kind.TASK_OVERDUE, Kind.TASK_DONE),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "relatives",
        _("Messages from relatives"),
        _("New messages from relatives and messages not answered in time."),
        (Kind.RELATIVE_MESSAGE, Kind.MESSAGE_ESCALATED),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "staff_meetings",
        _("Meeting invitations"),
        _("You are invited to a family meeting or another meeting."),
        (Kind.MEETING_INVITATION,),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "responsibility",
        _("Residents and responsibility"),
        _("You became a resident's named or deputy physician, or responsibility must be settled."),
        (Kind.PANEL_ASSIGNED, Kind.CARE_RESPONSIBILITY),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "work",
        _("Licences, documents and shifts"),
        _("Licences and documents needing attention, countersignatures and shift swaps."),
        (Kind.LICENCE_ALERT, Kind.DOCUMENT_EXPIRING, Kind.COUNTERSIGNATURE, Kind.SHIFT_SWAP),
        STAFF,
        Channel.NONE,
    ),
    Topic(
        "security",
        _("Locked logins"),
        _("Someone's login was locked after failed passwords."),
        (Kind.LOGIN_LOCKED,),
        STAFF,
        Channel.NONE,
    ),
)

# Sent at once, also during quiet hours (see the module docstring).
NEVER_WAIT = frozenset({Kind.CONSULT_NEW, Kind.CONSULT_ESCALATED, Kind.CONSULT_HANDED_OVER})


def audience_of(*, is_staff: bool) -> str:
    return STAFF if is_staff else CITIZEN


def topics_for(audience: str) -> list[Topic]:
    return [topic for topic in TOPICS if topic.audience == audience]


def topic_of(kind: str, audience: str) -> Topic | None:
    for topic in TOPICS:
        if topic.audience == audience and kind in topic.kinds:
            return topic
    return None


def default_channel(kind: str, audience: str) -> str:
    """The channel used for KIND when the person has chosen nothing."""
    topic = topic_of(kind, audience)
    return topic.default if topic else Channel.NONE
