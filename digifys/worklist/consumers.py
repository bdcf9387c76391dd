from digifys.accounts.models import Role
from digifys.core import live
from digifys.core.consumers import LiveConsumer


class UnitConsumer(LiveConsumer):
    """Live changes on one unit (observations, consults, tasks) for the unit's nurses."""

    def groups_for(self, user, *, unit_id: int, **kwargs):
        if user.role not in (Role.NURSE, Role.ASSISTANT_NURSE):
            return None
        if not user.staff_profile.units.filter(pk=unit_id).exists():
            return None
        return [live.unit_group(unit_id), live.user_group(user.pk)]
