from digifys.core import live
from digifys.core.consumers import LiveConsumer


class NotificationConsumer(LiveConsumer):
    """The logged-in user's own notifications."""

    def groups_for(self, user, **kwargs):
        return [live.user_group(user.pk)]
