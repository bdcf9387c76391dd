from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("units/<int:pk>/", views.unit, name="unit"),
]
