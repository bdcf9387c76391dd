"""WebSocket routes; each domain app adds its consumers here."""

websocket_urlpatterns: list = []
