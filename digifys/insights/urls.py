from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("continuity/", views.continuity, name="continuity"),
    path("continuity/units/<int:unit_pk>/", views.unit, name="unit"),
    path("continuity/mine/", views.mine, name="mine"),
]
