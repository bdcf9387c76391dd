from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.read, name="read"),
    path("badge/", views.badge, name="badge"),
    path("settings/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/failed/", views.failed_deliveries, name="failed_deliveries"),
]
