from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("elsewhere/", views.elsewhere, name="elsewhere"),
    path("elsewhere/<int:pk>/withdraw/", views.elsewhere_withdraw, name="elsewhere_withdraw"),
    path("elsewhere/requests/", views.elsewhere_requests, name="elsewhere_requests"),
    path("elsewhere/<int:pk>/decide/", views.elsewhere_decide, name="elsewhere_decide"),
    path("shifts/", views.shifts, name="shifts"),
    path("shifts/<int:shift_pk>/swap/", views.swap_new, name="swap_new"),
    path("swaps/<int:pk>/", views.swap, name="swap"),
    path("swaps/<int:pk>/respond/", views.swap_respond, name="swap_respond"),
    path("swaps/<int:pk>/decide/", views.swap_decide, name="swap_decide"),
    path("swaps/<int:pk>/withdraw/", views.swap_withdraw, name="swap_withdraw"),
    path("rota/", views.rota_month, name="rota"),
    path("rota/build/", views.rota_build, name="rota_build"),
    path("capacity/", views.capacity_forecast, name="capacity"),
]
