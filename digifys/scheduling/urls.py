from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns: list = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/renew/", views.renew_feed, name="renew_feed"),
    path("residents/<int:resident_pk>/book/", views.book, name="book"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("ics/<str:token>.ics", views.ics, name="ics"),
]
