"""WebSocket routes of video rooms."""

websocket_urlpatterns: list = []
