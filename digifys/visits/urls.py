from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("consults/<int:consult_pk>/", views.consult_room, name="consult_room"),
    path("bookings/<int:booking_pk>/", views.booking_room, name="booking_room"),
    path("rounds/<int:round_pk>/", views.round_room, name="round_room"),
    path("<int:room_pk>/", views.room, name="room"),
    path("<int:room_pk>/ice/", views.ice, name="ice"),
    path("<int:room_pk>/invite/", views.invite, name="invite"),
    path("<int:room_pk>/invite-relative/", views.invite_relative, name="invite_relative"),
    path("meetings/<int:room_pk>/", views.relative_room, name="relative_room"),
    path("<int:room_pk>/end/", views.end, name="end"),
    path("<int:room_pk>/note/", views.note, name="note"),
    path("<int:room_pk>/thread/", views.thread, name="thread"),
    path("<int:room_pk>/record/", views.events, name="events"),
    path("guest/<str:token>/", views.guest_join, name="guest_join"),
    path("guest/<str:token>/room/", views.guest_room, name="guest_room"),
]
