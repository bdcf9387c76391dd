from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("slots/", views.slot_list, name="slots"),
    path("slots/new/", views.slot_new, name="slot_new"),
    path("slots/<int:pk>/", views.slot_edit, name="slot_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/flag/", views.flag, name="flag"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/conduct/", views.conduct, name="conduct"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/finish/", views.finish, name="finish"),
    path("items/<int:pk>/move/", views.item_move, name="item_move"),
    path("items/<int:pk>/note/", views.item_note, name="item_note"),
    path("items/<int:pk>/order/", views.item_order, name="item_order"),
    path("items/<int:pk>/done/", views.item_done, name="item_done"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
]
