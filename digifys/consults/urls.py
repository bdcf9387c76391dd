from django.urls import path

from . import views

app_name = "consults"

urlpatterns = [
    path("new/<int:resident_pk>/", views.new, name="new"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/rows/", views.inbox_rows, name="inbox_rows"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/thread/", views.thread, name="thread"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/message/", views.message, name="message"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/note/", views.note, name="note"),
    path("notes/<int:pk>/sign/", views.sign_note, name="sign_note"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
