"""Fetching ward rounds and agenda items for the one who asks: the only way views get them.

A role that never takes part in rounds gets 403; a round the user does not take part in is 404
(careteams.policy.round_filter_for decides who takes part).
"""

from django.shortcuts import get_object_or_404

from digifys.accounts.decorators import require_role
from digifys.accounts.models import Role

from .models import AgendaItem, Round

CLINICAL = (Role.PHYSICIAN, Role.NURSE, Role.ASSISTANT_NURSE)
ROUND_ROLES = (*CLINICAL, Role.COORDINATOR)


def access_round_by_id(user, round_id: int, *, roles=ROUND_ROLES) -> Round:
    """Return round ROUND_ID if USER takes part in it: 403 for other ROLES, 404 otherwise."""
    require_role(user, *roles)
    rounds = Round.objects.visible_to(user).select_related(
        "unit__parent", "physician__user", "slot"
    )
    return get_object_or_404(rounds, pk=round_id)


def access_agenda_item_by_id(user, item_id: int) -> AgendaItem:
    """Return agenda item ITEM_ID when USER may read it and takes part in its round."""
    require_role(user, *CLINICAL)
    items = AgendaItem.objects.visible_to(user).filter(round__in=Round.objects.visible_to(user))
    return get_object_or_404(items.select_related("round", "resident"), pk=item_id)
