"""`{% resident_messages resident %}`: the resident page's short section on relatives' messages
and updates (unread count, what waits, links)."""

from django import template

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
