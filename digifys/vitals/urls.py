from django.urls import path

from . import offline_views, views

app_name = "vitals"

urlpatterns = [
    path("<int:resident_pk>/", views.history, name="history"),
    path("<int:resident_pk>/new/", views.record, name="record"),
    path("<int:resident_pk>/preview/", views.preview, name="preview"),
    path("<int:resident_pk>/scale2/", views.scale2, name="scale2"),
    path("observations/<int:pk>/", views.result, name="result"),
    path("units/<int:unit_pk>/escalation/", views.escalation, name="escalation"),
    path("offline/", offline_views.offline_form, name="offline_form"),
    path("sync/", offline_views.sync, name="sync"),
]
