from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.resident_list, name="list"),
    path("register/", views.register, name="register"),
    path("mine/", views.my_residents, name="mine"),
    path("<int:pk>/", views.resident_detail, name="detail"),
    path("<int:pk>/registration/", views.change_registration, name="change_registration"),
    path("<int:pk>/entitlement/", views.document_entitlement, name="entitlement"),
    path("<int:pk>/cognition/", views.cognitive_baseline, name="cognitive_baseline"),
]
