"""ICE servers for a participant's browser: STUN, and TURN with time-limited credentials."""

import base64
import hashlib
import hmac
import time

from digifys.visits.models import Participant

from .common import setting


def turn_credentials(*, participant_id: int, secret: str, ttl: int, now: float | None = None):
    """Return (username, credential) by the TURN REST convention (coturn use-auth-secret)."""
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{participant_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, participant: Participant) -> dict:
    """Return the browser's RTCConfiguration iceServers, with time-limited TURN credentials."""
    ttl = int(setting("VIDEO_TURN_TTL", 6 * 60 * 60))
    servers = []
    stun = list(setting("VIDEO_STUN_URLS", []) or [])
    if stun:
        servers.append({"urls": stun})
    turn = list(setting("VIDEO_TURN_URLS", []) or [])
    secret = setting("VIDEO_TURN_SECRET", "")
    if turn and secret:
        username, credential = turn_credentials(
            participant_id=participant.pk, secret=secret, ttl=ttl
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return {"iceServers": servers, "ttl": ttl}
