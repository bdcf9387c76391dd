from django.contrib import admin

from .models import GoLive


@admin.register(GoLive)
class GoLiveAdmin(admin.ModelAdmin):
    list_display = ("unit", "went_live_on")
    list_select_related = ("unit__parent",)
    search_fields = ("unit__name",)
    autocomplete_fields = ("unit",)
    date_hierarchy = "went_live_on"
