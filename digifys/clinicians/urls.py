from django.urls import path

from . import views

app_name = "clinicians"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/languages/", views.language, name="language"),
    path("<int:pk>/documents/", views.upload, name="upload"),
    path("<int:pk>/checklist/", views.tick, name="tick"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("enter/<int:staff_pk>/", views.enter, name="enter"),
    path("countersign/", views.queue, name="queue"),
    path("countersign/<int:pk>/", views.draft, name="draft"),
    path("countersign/<int:pk>/sign/", views.countersign, name="countersign"),
    path("countersign/<int:pk>/return/", views.return_draft, name="return"),
]
