from django.urls import path

from . import views

app_name = "medicationreviews"

urlpatterns = [
    path("", views.due, name="due"),
    path("residents/<int:resident_pk>/", views.history, name="history"),
    path("residents/<int:resident_pk>/new/", views.new, name="new"),
    path(
        "residents/<int:resident_pk>/drug-problems/",
        views.drug_problems,
        name="drug_problems",
    ),
]
