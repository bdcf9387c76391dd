from django.urls import path

from . import views

app_name = "trust"

urlpatterns = [
    path("survey/<int:pk>/", views.answer, name="answer"),
    path("results/", views.results, name="results"),
    path("results.csv", views.results_csv, name="results_csv"),
]
