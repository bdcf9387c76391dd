from django.contrib.auth.decorators import login_required
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("register/", views.register, name="register"),
    # The relatives' portal moved to the relatives app (it reads by consent scope).
    path(
        "mine/",
        login_required(RedirectView.as_view(pattern_name="relatives:home")),
        name="mine",
    ),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/registration/", views.change_registration, name="change_registration"),
    path("<int:pk>/entitlement/", views.document_entitlement, name="entitlement"),
    path("<int:pk>/cognition/", views.cognitive_baseline, name="cognitive_baseline"),
]
