"""How tests and benchmarks launch Debian's Chromium (no Django imports: benches use it too)."""

import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# No network of its own (Playwright cannot download, and nothing may phone home); fake camera and
# microphone for video; host ICE candidates as plain IP addresses so WebRTC works on loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]
