from django.urls import path

from . import views

app_name = "careteams"

urlpatterns = [
    path("panel/", views.panel, name="panel"),
    path("overview/", views.overview, name="overview"),
    path("emergency/", views.emergency, name="emergency"),
    path("emergency/open/", views.emergency_open, name="emergency_open"),
    path("residents/<int:pk>/consent-open/", views.consent_open, name="consent_open"),
    path("residents/<int:pk>/blocks/", views.blocks, name="blocks"),
    path("blocks/<int:pk>/lift/", views.lift_block, name="lift_block"),
    path("panels/", views.panels, name="panels"),
    path("panels/<int:staff_pk>/", views.physician_panel, name="physician_panel"),
    path("residents/<int:pk>/assign/", views.assign, name="assign"),
]
