"""`{% resident_messages resident %}`: the resident page's short section on relatives' messages
and updates (unread count, what waits, links)."""

from django import template
from django.utils.html import format_html_join
from django.utils.translation import ngettext

from digifys.accounts.models import Role
from digifys.messaging import selectors, services

register = template.Library()

STAFF_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)
SHOWN = 3


@register.inclusion_tag("messaging/_resident_section.html", takes_context=True)
def resident_messages(context, resident) -> dict:
    """Read as the page's user; the page that includes it has logged its read of the resident."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if getattr(user, "role", None) not in STAFF_ROLES:
        return {"shown": False}
    messages = selectors.resident_messages(user, resident)
    # The section shows who wrote and when: the sender only, not the selector's other relations.
    waiting = list(messages.unanswered().select_related(None).select_related("relative")[:SHOWN])
    return {
        "shown": True,
        "resident": resident,
        "unread": messages.unread().count(),
        "waiting": waiting,
        "pending_updates": selectors.resident_updates(user, resident).pending().count(),
        "may_write": services.may_write_update(user),
        "now": context.get("now"),
    }


# The worklist's badge texts, for setting a badge in place from a live event (unread_badges.js).
# The msgids are those of the worklist template's {% blocktranslate count %}, so the page's own
# rendering and the in-place one read the same translation. "one" is the form for 1, "other" for
# every other count: the plural rule of Swedish, English and Spanish (nplurals=2; n != 1).
BADGE_TEXTS = {
    "row": ("%(counter)s unread message", "%(counter)s unread messages"),
    "total": (
        "%(counter)s unread message from relatives",
        "%(counter)s unread messages from relatives",
    ),
}


@register.simple_tag
def unread_badge_texts() -> str:
    """`data-unread-*` attributes: the badge texts with "{n}" where the count goes."""
    return format_html_join(
        " ",
        'data-unread-{}-{}="{}"',
        (
            (name, form, ngettext(singular, plural, count) % {"counter": "{n}"})
            for name, (singular, plural) in BADGE_TEXTS.items()
            for form, count in (("one", 1), ("other", 2))
        ),
    )
