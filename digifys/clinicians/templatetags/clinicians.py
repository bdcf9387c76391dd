"""Supervision in other apps' pages: the countersign queue in the inbox, the consult's notice."""

from django import template

from digifys.clinicians import selectors

register = template.Library()


@register.inclusion_tag("clinicians/_queue_summary.html", takes_context=True)
def countersign_queue(context):
    """The drafts awaiting the reader's countersignature, by deadline (nothing when none)."""
    user = context["request"].user
    return {"drafts": list(selectors.queue_for(user)[:20])}


@register.inclusion_tag("clinicians/_awaiting.html")
def awaiting_countersignature(consult):
    """What in CONSULT awaits a supervisor's countersignature (the nurse sees it)."""
    drafts = selectors.awaiting_for_consult(consult.pk).select_related(
        "author__user", "supervisor__user"
    )
    return {"drafts": list(drafts)}
