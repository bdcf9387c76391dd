from django.urls import path

from . import views

app_name = "worklist"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("units/<int:unit_pk>/", views.unit, name="unit"),
    path("units/<int:unit_pk>/rows/", views.rows, name="rows"),
]
