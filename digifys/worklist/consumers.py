from digifys.core import live
from digifys.core.consumers import LiveConsumer

from .selectors import units_for


class UnitConsumer(LiveConsumer):
    """Live changes on one unit (observations, consults, tasks) for the unit's nurses.

    The same rule as the worklist page (`selectors.units_for`): nurses and assistant nurses of
    the unit; everyone else is refused.
    """

    def groups_for(self, user, *, unit_id: int, **kwargs):
        if not units_for(user).filter(pk=unit_id).exists():
            return None
        return [live.unit_group(unit_id), live.user_group(user.pk)]
