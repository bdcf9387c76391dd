from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    # Relatives (the portal)
    path("relative/<int:resident_pk>/", views.relative_messages, name="relative_messages"),
    path("relative/<int:resident_pk>/updates/", views.relative_updates, name="relative_updates"),
    # Staff
    path("", views.inbox, name="inbox"),
    path("resident/<int:pk>/", views.resident, name="resident"),
    path("resident/<int:pk>/update/", views.write_update, name="write_update"),
    path("resident/<int:pk>/condition-notice/", views.condition_notice, name="condition_notice"),
    path("updates/<int:pk>/approve/", views.approve_update, name="approve_update"),
    path("<int:pk>/", views.message, name="message"),
    path("<int:pk>/hand-over/", views.hand_over, name="hand_over"),
]
