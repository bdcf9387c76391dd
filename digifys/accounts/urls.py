from allauth.account import views as account_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("login/demo/", views.demo_login, name="demo_login"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.set_language, name="set_language"),
    path("enrolment-codes/", views.enrolment_codes, name="enrolment_codes"),
]
