"""WebSocket routes. Each consumer checks access on connect (core/consumers.py)."""

from django.urls import path

from digifys.consults.consumers import ConsultConsumer, InboxConsumer
from digifys.notifications.consumers import NotificationConsumer
from digifys.visits.routing import websocket_urlpatterns as visit_routes
from digifys.worklist.consumers import UnitConsumer

websocket_urlpatterns: list = [
    path("ws/units/<int:unit_id>/", UnitConsumer.as_asgi(), name="ws-unit"),
    path("ws/inbox/", InboxConsumer.as_asgi(), name="ws-inbox"),
    path("ws/consults/<int:consult_id>/", ConsultConsumer.as_asgi(), name="ws-consult"),
    path("ws/notifications/", NotificationConsumer.as_asgi(), name="ws-notifications"),
]

websocket_urlpatterns += visit_routes
