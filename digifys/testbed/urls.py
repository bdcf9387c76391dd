from django.urls import path

from . import views

app_name = "testbed"

urlpatterns = [
    path("", views.index, name="index"),
    path("applied/", views.applied, name="applied"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/approve/", views.approve, name="approve"),
    path("applications/<int:pk>/decline/", views.decline, name="decline"),
    path("company/", views.company, name="company"),
]
