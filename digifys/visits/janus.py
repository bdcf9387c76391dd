"""Janus WebRTC server (VideoRoom plugin): the SFU for video rooms of more than four.

Our server decides who may take part; Janus only forwards media. The pieces:

- Janus runs with `token_auth` and a `token_auth_secret`: every Janus session needs a token
  signed with that secret (HMAC-SHA1 over "expiry,janus,janus.plugin.videoroom"), which this
  server hands only to admitted participants (`session_token`).
- The VideoRoom plugin has an `admin_key`: only this server can create rooms (`ensure_room`).
- Each room is private, has a PIN and an ACL (`allowed`): a participant's join token is added
  when the host admits them and removed (and the participant kicked) when they are removed or
  the room ends. PIN, secret and join tokens are derived from SECRET_KEY and the room's and
  participant's ids, so nothing needs storing and a restarted Janus gets the same room back.
- Publishers join with their participant id as feed id and the id (not the name) as display,
  so Janus never holds a name; names come from our own WebSocket.

This server talks to Janus over its plain HTTP API (JANUS_URL, reachable only from the
application servers); browsers reach Janus over WebSocket (JANUS_PUBLIC_URL). See
docs/operations.md "Janus".
"""

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request

from django.conf import settings

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.videoroom"
# Room ids in Janus: our room's primary key plus an offset, so the ids of a shared Janus
# (another environment) are easy to tell apart and never 0.
ROOM_OFFSET = 1_000_000


class JanusError(Exception):
    """Janus did not answer, or answered with an error."""


def configured() -> bool:
    return bool(getattr(settings, "JANUS_URL", "")) and bool(
        getattr(settings, "JANUS_PUBLIC_URL", "")
    )


def _secret(name: str) -> str:
    value = getattr(settings, name, "")
    if not value:
        raise JanusError(f"{name} is not set")
    return value


def _derive(purpose: str, *parts) -> str:
    message = ":".join([purpose, *(str(part) for part in parts)]).encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest)[:32].decode("ascii")


def janus_room_id(room_id: int) -> int:
    return ROOM_OFFSET + int(room_id)


def room_pin(room_id: int) -> str:
    return _derive("janus-pin", room_id)


def room_secret(room_id: int) -> str:
    return _derive("janus-secret", room_id)


def join_token(room_id: int, participant_id: int) -> str:
    return _derive("janus-join", room_id, participant_id)


def session_token(*, ttl: int | None = None, now: float | None = None) -> str:
    """A Janus session token signed with JANUS_TOKEN_SECRET, valid for TTL seconds."""
    ttl = int(ttl if ttl is not None else getattr(settings, "JANUS_TOKEN_TTL", 6 * 60 * 60))
    expiry = int((now if now is not None else time.time()) + ttl)
    data = f"{expiry},janus,{PLUGIN}"
    signature = hmac.new(_secret("JANUS_TOKEN_SECRET").encode(), data.encode(), hashlib.sha1)
    return f"{data}:{base64.b64encode(signature.digest()).decode('ascii')}"


# --- The HTTP API ----------------------------------------------------------------------------


def _post(path: str, payload: dict) -> dict:
    url = settings.JANUS_URL.rstrip("/") + path
    payload = {"transaction": secrets.token_hex(8), **payload}
    request = urllib.request.Request(  # noqa: S310 (JANUS_URL is our setting)
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    timeout = float(getattr(settings, "JANUS_TIMEOUT", 5))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read().decode())
    except (OSError, ValueError) as error:
        raise JanusError(f"Janus did not answer: {error}") from error
    if body.get("janus") == "error":
        raise JanusError(body.get("error", {}).get("reason", "error"))
    return body


class _Handle:
    """A short-lived Janus session with one VideoRoom handle, for synchronous requests."""

    def __enter__(self):
        token = session_token(ttl=120)
        self.token = token
        self.session = _post("", {"janus": "create", "token": token})["data"]["id"]
        self.handle = _post(
            f"/{self.session}", {"janus": "attach", "plugin": PLUGIN, "token": token}
        )["data"]["id"]
        return self

    def request(self, body: dict) -> dict:
        answer = _post(
            f"/{self.session}/{self.handle}",
            {"janus": "message", "body": body, "token": self.token},
        )
        data = answer.get("plugindata", {}).get("data", {})
        if data.get("error_code"):
            raise JanusError(f"{data.get('error_code')}: {data.get('error')}")
        return data

    def __exit__(self, *exc):
        try:
            _post(f"/{self.session}", {"janus": "destroy", "token": self.token})
        except JanusError:
            log.info("could not destroy a Janus session", exc_info=True)
        return False


def ensure_room(room_id: int, *, publishers: int, allowed: list[str]) -> int:
    """Create the Janus room for our room ROOM_ID unless it exists; return its Janus id.

    ALLOWED are the join tokens of the participants admitted so far (after a Janus restart
    the ACL is rebuilt from our database).
    """
    jid = janus_room_id(room_id)
    with _Handle() as janus:
        if janus.request({"request": "exists", "room": jid}).get("exists"):
            if allowed:
                janus.request(
                    {
                        "request": "allowed",
                        "room": jid,
                        "secret": room_secret(room_id),
                        "action": "add",
                        "allowed": allowed,
                    }
                )
            return jid
        janus.request(
            {
                "request": "create",
                "room": jid,
                "admin_key": _secret("JANUS_ADMIN_KEY"),
                "permanent": False,
                "is_private": True,
                "description": f"digifys {room_id}",
                "secret": room_secret(room_id),
                "pin": room_pin(room_id),
                "allowed": allowed or [join_token(room_id, 0)],
                "publishers": publishers,
                "bitrate": int(getattr(settings, "JANUS_BITRATE", 512_000)),
                "fir_freq": 10,
                "audiocodec": "opus",
                "videocodec": "vp8",
                "require_pvtid": True,
                # Nothing is recorded; participants cannot switch recording on either.
                "record": False,
                "lock_record": True,
                "notify_joining": False,
            }
        )
    return jid


def allow(room_id: int, participant_ids: list[int]) -> None:
    """Add the participants' join tokens to the room's ACL."""
    _acl(room_id, "add", participant_ids)


def disallow(room_id: int, participant_id: int, *, kick: bool = True) -> None:
    """Take a participant's join token out of the ACL and (KICK) drop their feed now."""
    jid = janus_room_id(room_id)
    with _Handle() as janus:
        if not janus.request({"request": "exists", "room": jid}).get("exists"):
            return
        janus.request(
            {
                "request": "allowed",
                "room": jid,
                "secret": room_secret(room_id),
                "action": "remove",
                "allowed": [join_token(room_id, participant_id)],
            }
        )
        if kick:
            # JanusError: not in the room (any more).
            with contextlib.suppress(JanusError):
                janus.request(
                    {
                        "request": "kick",
                        "room": jid,
                        "secret": room_secret(room_id),
                        "id": int(participant_id),
                    }
                )


def destroy(room_id: int) -> None:
    """Destroy the Janus room (the call has ended): every feed is dropped."""
    jid = janus_room_id(room_id)
    with _Handle() as janus:
        if janus.request({"request": "exists", "room": jid}).get("exists"):
            janus.request({"request": "destroy", "room": jid, "secret": room_secret(room_id)})


def _acl(room_id: int, action: str, participant_ids: list[int]) -> None:
    with _Handle() as janus:
        janus.request(
            {
                "request": "allowed",
                "room": janus_room_id(room_id),
                "secret": room_secret(room_id),
                "action": action,
                "allowed": [join_token(room_id, pid) for pid in participant_ids],
            }
        )


def participants(room_id: int) -> list[dict]:
    """The publishers Janus has in the room (for tests and the operations check)."""
    with _Handle() as janus:
        data = janus.request({"request": "listparticipants", "room": janus_room_id(room_id)})
    return data.get("participants", [])


def ping() -> dict:
    """Janus's `info` answer (version, plugins), or JanusError."""
    url = settings.JANUS_URL.rstrip("/") + "/info"
    try:
        with urllib.request.urlopen(url, timeout=float(getattr(settings, "JANUS_TIMEOUT", 5))) as r:  # noqa: S310
            return json.loads(r.read().decode())
    except (OSError, ValueError) as error:
        raise JanusError(f"Janus did not answer: {error}") from error


# --- A local configuration -------------------------------------------------------------------

LIB = "/usr/lib/x86_64-linux-gnu/janus"


def _lib_dir() -> str:
    import glob
    import os

    candidates = (LIB, *glob.glob("/usr/lib/*/janus"), "/usr/lib/janus", "/opt/janus/lib/janus")
    for candidate in candidates:
        if os.path.isdir(os.path.join(candidate, "plugins")):
            return candidate
    raise JanusError("Janus's plugins were not found (is the Debian package janus installed?)")


def write_config(
    folder,
    *,
    http_port: int,
    ws_port: int,
    token_secret: str,
    admin_key: str,
    rtp_ports: str = "20000-40000",
    bind: str = "127.0.0.1",
    ws_bind: str = "",
    nat_1_1: str = "",
    stun: str = "",
) -> str:
    """Write a minimal Janus configuration to FOLDER; return the path of janus.jcfg.

    Only what a video room needs is loaded: the VideoRoom plugin, the HTTP transport (our
    server, bound to BIND) and the WebSocket transport (browsers). The plugin, transport,
    event-handler and logger folders are FOLDER's own with links to just those libraries.
    """
    import os
    from pathlib import Path

    folder = Path(folder)
    lib = _lib_dir()
    wanted = {
        "plugins": ["libjanus_videoroom.so"],
        "transports": ["libjanus_http.so", "libjanus_websockets.so"],
        "events": [],
        "loggers": [],
    }
    for kind, names in wanted.items():
        target = folder / kind
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            old.unlink()
        for name in names:
            matches = sorted(Path(lib, kind).glob(name + "*"))
            if not matches:
                raise JanusError(f"{name} is missing from {lib}/{kind}")
            os.symlink(matches[0], target / name)
    nat = []
    if stun:
        host, _, port = stun.partition(":")
        nat += [f'stun_server = "{host}"', f"stun_port = {port or 3478}"]
    if nat_1_1:
        nat.append(f'nat_1_1_mapping = "{nat_1_1}"')
    nat.append("ignore_mdns = true")
    files = {
        "janus.jcfg": f"""general: {{
	configs_folder = "{folder}"
	plugins_folder = "{folder}/plugins"
	transports_folder = "{folder}/transports"
	events_folder = "{folder}/events"
	loggers_folder = "{folder}/loggers"
	debug_level = 3
	log_to_stdout = true
	token_auth = true
	token_auth_secret = "{token_secret}"
	session_timeout = 60
	server_name = "digifys-janus"
}}
media: {{
	rtp_port_range = "{rtp_ports}"
}}
nat: {{
	{chr(10).join(nat)}
}}
""",
        "janus.plugin.videoroom.jcfg": f"""general: {{
	admin_key = "{admin_key}"
	lock_rtp_forward = true
}}
""",
        "janus.transport.http.jcfg": f"""general: {{
	base_path = "/janus"
	http = true
	port = {http_port}
	ip = "{bind}"
	https = false
}}
admin: {{
	admin_http = false
}}
""",
        "janus.transport.websockets.jcfg": f"""general: {{
	ws = true
	ws_port = {ws_port}
	{f'ws_ip = "{ws_bind}"' if ws_bind else ""}
	wss = false
}}
admin: {{
	admin_ws = false
}}
""",
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return str(folder / "janus.jcfg")
