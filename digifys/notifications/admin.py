from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The delivery log, read-only: notifications are written by the services.

    The text is left out: it can name a resident, and administrators see no resident data.
    """

    list_display = ("created_at", "recipient", "kind", "read_at")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
    search_fields = ("recipient__username",)
    fields = readonly_fields = ("recipient", "kind", "created_at", "read_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("notification__recipient")

    @admin.display(description=_("kind"))
    def kind(self, obj: Delivery) -> str:
        return obj.notification.get_kind_display()

    @admin.display(description=_("recipient"))
    def recipient(self, obj: Delivery) -> str:
        return str(obj.notification.recipient)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The e-mail and SMS delivery log, read-only: rows are written by the delivery job.

    The notification is shown by kind and recipient only: its text can name a resident.
    """

    list_display = ("created_at", "kind", "channel", "status", "attempts", "problem", "sent_at")
    list_filter = ("status", "channel", "problem")
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "kind",
        "recipient",
        "channel",
        "to",
        "status",
        "attempts",
        "problem",
        "last_error",
        "created_at",
        "next_attempt_at",
        "held_for_quiet_hours",
        "sent_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("notification__recipient")

    @admin.display(description=_("kind"))
    def kind(self, obj: Delivery) -> str:
        return obj.notification.get_kind_display()

    @admin.display(description=_("recipient"))
    def recipient(self, obj: Delivery) -> str:
        return str(obj.notification.recipient)
