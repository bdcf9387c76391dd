"""`{% resident_consents resident %}`: the resident page's section on relatives and consent."""

from django import template

from digifys.accounts.models import Role
from digifys.relatives import services
from digifys.relatives.models import Consent, stockholm_today
from digifys.residents.models import Relative

register = template.Library()

STAFF_ROLES = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN, Role.COORDINATOR)


@register.inclusion_tag("relatives/_resident_consents.html", takes_context=True)
def resident_consents(context, resident) -> dict:
    """Each relative of RESIDENT with their current consent, read as the page's user.

    The page that includes it has logged its read of the resident; this adds no entry.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if getattr(user, "role", None) not in STAFF_ROLES:
        return {"shown": False}
    relatives = list(Relative.objects.visible_to(user).filter(resident=resident))
    current = {
        row.relative_id: row
        for row in Consent.objects.visible_to(user).current().filter(resident=resident)
    }
    today = stockholm_today()
    rows = []
    for relative in relatives:
        consent = current.get(relative.pk)
        rows.append(
            {
                "relative": relative,
                "consent": consent,
                "state": consent.state(today) if consent else "none",
                "review_due": consent.review_due(today) if consent else False,
            }
        )
    return {
        "shown": True,
        "resident": resident,
        "rows": rows,
        "may_record": services.may_record_consent(user),
    }
