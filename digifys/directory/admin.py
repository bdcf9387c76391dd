from django.contrib import admin

from .models import Organisation, StaffLanguage, StaffProfile


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "parent",
        "municipality_code",
        "hsa_id",
        "time_zone",
        "is_active",
    )
    list_filter = ("kind", "is_active", "country")
    search_fields = ("name", "hsa_id", "municipality_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "municipality")


class StaffLanguageInline(admin.TabularInline):
    model = StaffLanguage
    extra = 1


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "hsa_id", "employer", "work_city", "time_zone", "is_locum")
    list_filter = ("profession", "work_country", "is_locum")
    search_fields = ("user__first_name", "user__last_name", "hsa_id", "licence_number")
    list_select_related = ("user", "employer")
    autocomplete_fields = ("user", "employer", "units")
    inlines = [StaffLanguageInline]
