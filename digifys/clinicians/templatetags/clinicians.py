"""Supervision in other apps' pages: the countersign queue in the inbox, the consult's notice."""

from django import template

from digifys.clinicians import selectors

register = template.Library()


@register.inclusion_tag("clinicians/_queue_summary.html", takes_context=True)
def countersign_queue(context):
    """The drafts awaiting the reader's countersignature, by deadline (nothing when none)."""
    user = context["request"].user
    # Only the columns the summary shows (clinicians/_queue_summary.html): the queue's own joins
    # bring every column of the resident and the consult, and compiling that wide read cost the
    # inbox about a seventh of its Python work (issue 12 §3). The foreign keys stay, so the
    # related rows come in the same query.
    drafts = (
        selectors.queue_for(user)
        .select_related(None)
        .select_related("author__user", "resident__unit__parent")
        .only(*SUMMARY_FIELDS)
    )
    return {"drafts": list(drafts[:20])}


SUMMARY_FIELDS = (
    "kind",
    "urgent",
    "status",
    "deadline",
    "author__user__first_name",
    "author__user__last_name",
    "resident__unit__kind",
    "resident__unit__name",
    "resident__unit__parent__name",
)


@register.inclusion_tag("clinicians/_awaiting.html")
def awaiting_countersignature(consult):
    """What in CONSULT awaits a supervisor's countersignature (the nurse sees it)."""
    drafts = selectors.awaiting_for_consult(consult.pk).select_related(
        "author__user", "supervisor__user"
    )
    return {"drafts": list(drafts)}
