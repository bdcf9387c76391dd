from django.contrib import admin

from .models import Notification


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
