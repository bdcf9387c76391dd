"""WebSocket routes of video rooms."""

from django.urls import path

from .consumers import RoomConsumer

websocket_urlpatterns: list = [
    path("ws/visits/<int:room_id>/", RoomConsumer.as_asgi(), name="ws-visit"),
]
