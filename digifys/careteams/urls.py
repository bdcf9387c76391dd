from django.urls import path

from . import views

app_name = "careteams"

urlpatterns = [
    path("panel/", views.panel, name="panel"),
    path("overview/", views.overview, name="overview"),
]
