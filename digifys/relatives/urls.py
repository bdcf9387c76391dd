from django.urls import path

from . import views

app_name = "relatives"

urlpatterns = [
    path("", views.home, name="home"),
    path("resident/<int:pk>/who-has-looked/", views.access_log, name="access_log"),
    path("me/", views.me, name="me"),
    path("me/who-has-looked/", views.own_access_log, name="own_access_log"),
    path("resident/<int:pk>/consents/", views.consents, name="consents"),
    path("link/<int:pk>/consent/", views.record, name="record"),
    path("link/<int:pk>/revoke/", views.revoke, name="revoke"),
]
