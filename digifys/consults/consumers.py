from digifys.accounts.models import Role
from digifys.core import live
from digifys.core.consumers import LiveConsumer

from .models import Consult


class InboxConsumer(LiveConsumer):
    """Live changes to the consults assigned to the physician (new, escalated, handed over)."""

    def groups_for(self, user, **kwargs):
        if user.role != Role.PHYSICIAN:
            return None
        return [live.physician_group(user.staff_profile.pk), live.user_group(user.pk)]


class ConsultConsumer(LiveConsumer):
    """Live changes to one consult's thread and its resident's vital signs and tasks."""

    def groups_for(self, user, *, consult_id: int, **kwargs):
        consult = Consult.objects.visible_to(user).filter(pk=consult_id).first()
        if consult is None:
            return None
        return [live.consult_group(consult.pk), live.resident_group(consult.resident_id)]
