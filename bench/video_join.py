"""Video visits: time from "join" to the first remote frame, and a call on a 150 kbit/s link.

Set-up: the full ASGI app under uvicorn (one process, in-memory channel layer: both call
participants talk to the same process), a fresh SQLite database in a temporary folder with the
test world (digifys/testing/world.py), one open consult room hosted by the physician. Browsers:
Debian Chromium with fake camera and microphone (the browser tests' flags), one context each.

Part 1 — join latency (loopback). The physician is in the room. For each repetition a fresh
nurse context opens the room page, waits until the camera is ready (lobby), then clicks "Join the
call"; the time is from that click to the first remote video frame presented in the nurse's page
(`requestVideoFrameCallback` on the remote <video>). Staff are admitted automatically
(VIDEO_AUTO_ADMIT_STAFF=1) so the figure is the software path (socket, hello, offer/answer, ICE,
DTLS, first decoded frame), not the physician's reaction time. Baseline in the same run: two bare
pages of the same origin with one RTCPeerConnection each, fake media, the SDP relayed directly by
this script (no app, no server in the path), timed the same way from the "click" (start of the
offer) to the first presented frame.

Part 2 — weak link. A network namespace with a veth pair; a token-bucket filter of --cap-kbit
(default 150 kbit/s) on both directions of the veth; the nurse's Chromium runs inside the
namespace (so all its traffic, signalling and media, crosses the shaped link), the physician's
in the root namespace, the server on the host end of the veth. The call runs --hold seconds
(default 60); every 2 s both sides' getStats figures are sampled. Reported: audio packets kept
flowing each way, the nurse's video send rate per 10 s window (must stay under the cap), and the
client's mode changes (normal -> low-bandwidth -> audio only). Then the link goes down for
--outage seconds (default 8; the peer connections go "disconnected", the client restarts ICE)
and comes back: the time until both peers are connected and video flows again is reported, and
that the page was not reloaded. Needs root (ip netns, tc).

    .venv/bin/python bench/video_join.py [--runs 12] [--hold 60] [--cap-kbit 150] [--outage 8]
                                         [--skip-weak-link] [--json]
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digifys.core.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

NETNS = "digifys-bench-video"
HOST_IF, NS_IF = "dfyvh0", "dfyvn0"
HOST_IP, NS_IP = "10.213.77.1", "10.213.77.2"

# Installed in the nurse's page before the click: note when the first remote frame is shown.
WATCH_FIRST_FRAME = """() => {
  window.__firstFrame = null;
  const remotes = document.getElementById('call-remotes');
  const watch = (video) => {
    if (video.__watched) return;
    video.__watched = true;
    video.requestVideoFrameCallback(() => {
      if (window.__firstFrame === null) window.__firstFrame = performance.now();
    });
  };
  new MutationObserver(() => remotes.querySelectorAll('video').forEach(watch))
    .observe(remotes, {childList: true, subtree: true});
}"""

# Baseline pages: a bare RTCPeerConnection with the fake camera/microphone, no app code.
BARE_SETUP = """async () => {
  window.__stream = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  window.__firstFrame = null;
}"""
BARE_OFFER = """async () => {
  window.__clicked = performance.now();
  const pc = new RTCPeerConnection({iceServers: []});
  window.__pc = pc;
  window.__cands = [];
  pc.onicecandidate = (event) => event.candidate && window.__cands.push(event.candidate.toJSON());
  window.__stream.getTracks().forEach((t) => pc.addTrack(t, window.__stream));
  pc.ontrack = (event) => {
    if (event.track.kind !== 'video') return;
    const video = document.createElement('video');
    video.autoplay = true; video.muted = true; video.playsInline = true;
    video.srcObject = event.streams[0];
    document.body.appendChild(video);
    video.requestVideoFrameCallback(() => {
      if (window.__firstFrame === null) window.__firstFrame = performance.now();
    });
  };
  await pc.setLocalDescription(await pc.createOffer());
  return pc.localDescription.toJSON();
}"""
BARE_ANSWER = """async (offer) => {
  const pc = new RTCPeerConnection({iceServers: []});
  window.__pc && window.__pc.close();
  window.__pc = pc;
  window.__cands = [];
  pc.onicecandidate = (event) => event.candidate && window.__cands.push(event.candidate.toJSON());
  window.__stream.getTracks().forEach((t) => pc.addTrack(t, window.__stream));
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  return pc.localDescription.toJSON();
}"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median": round(statistics.median(values)),
        "p90": round(percentile(values, 0.9)),
        "min": round(min(values)),
        "max": round(max(values)),
    }


def until(check, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise SystemExit(f"timed out waiting for {what}")


def seed() -> dict:
    """Migrate, build the test world, open one consult room; return sessions and the room."""
    from django.core.management import call_command
    from django.test import Client

    from digifys.consults import services as consults
    from digifys.testing.accounts import complete_second_factor
    from digifys.testing.world import build_world
    from digifys.visits import services as visits

    call_command("migrate", verbosity=0)
    # Production-like static files: hashed and compressed, served by WhiteNoise.
    call_command("collectstatic", interactive=False, verbosity=0)
    world = build_world()
    consult = consults.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Tröttare sedan i morse.",
        background="Hjärtsvikt.",
        assessment="NEWS2 5.",
        recommendation="Bedömning via video.",
    )
    consult = consults.accept_consult(actor=world.physician_spain, consult=consult)
    room = visits.open_room_for_consult(actor=world.physician_spain, consult=consult)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        return client.cookies["sessionid"].value

    return {
        "room": room.pk,
        "physician": session(world.physician_spain),
        "nurse": session(world.nurse_mala),
    }


class Server:
    def __init__(self, host: str, port: int, env: dict, prefix: list[str] | None = None) -> None:
        self.host, self.port = host, port
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "digifys.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen((prefix or []) + argv, cwd=ROOT, env=env)
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{host}:{port}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("the server did not start")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def room_page(browser, base: str, session: str, room: int):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": base},
            {"name": "django_language", "value": "en", "url": base},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/visits/{room}/")
    page.locator("#call-join:enabled").wait_for()
    return context, page


def state(page) -> dict:
    return page.evaluate("window.digifysCall.state()")


def stats(page) -> dict:
    return page.evaluate("window.digifysCall.stats()")


def join_latency(browser, base: str, data: dict, runs: int) -> dict:
    """Part 1: the physician waits in the room; nurses join one after the other."""
    _doctor_context, doctor = room_page(browser, base, data["physician"], data["room"])
    doctor.locator("#call-join").click()
    until(lambda: state(doctor)["status"] == "admitted", 15, "the physician in the room")
    times, decoded_after = [], []
    for _run in range(runs + 1):  # the first one warms up the server and the browser
        context, nurse = room_page(browser, base, data["nurse"], data["room"])
        nurse.evaluate(WATCH_FIRST_FRAME)
        nurse.locator("#call-join").click()
        shown = until(lambda p=nurse: p.evaluate("window.__firstFrame"), 15, "the first frame")
        clicked = nurse.evaluate("window.digifysCallJoinClickedAt")
        until(
            lambda: any(s["framesDecoded"] > 0 for s in stats(doctor).values()),
            15,
            "the physician decoding",
        )
        after = time.perf_counter()
        if _run:
            times.append(shown - clicked)
            decoded_after.append(after)
        context.close()
        until(lambda: not state(doctor)["peers"], 15, "the nurse gone", interval=0.1)
    return summary(times)


def bare_baseline(browser, base: str, runs: int) -> dict:
    """Two bare pages, one RTCPeerConnection each, SDP relayed by this script."""
    # Two contexts like two participants; the measured page is in front (a background tab only
    # renders about once a second, which would time the throttling, not WebRTC).
    contexts = [browser.new_context(), browser.new_context()]
    answerer, offerer = contexts[0].new_page(), contexts[1].new_page()
    for page in (answerer, offerer):
        page.goto(f"{base}/healthz")
        page.evaluate(BARE_SETUP)
    offerer.bring_to_front()
    times = []
    for _run in range(runs + 1):
        offerer.evaluate(
            "() => { window.__firstFrame = null; window.__pc && window.__pc.close(); }"
        )
        offer = offerer.evaluate(BARE_OFFER)
        answer = answerer.evaluate(BARE_ANSWER, offer)
        offerer.evaluate("async (answer) => window.__pc.setRemoteDescription(answer)", answer)

        def relay_candidates():
            # Trickle ICE, relayed by this script (what the app's socket does).
            for source, target in ((offerer, answerer), (answerer, offerer)):
                candidates = source.evaluate("window.__cands.splice(0)")
                if candidates:
                    target.evaluate(
                        "async (cs) => { for (const c of cs) "
                        "await window.__pc.addIceCandidate(c); }",
                        candidates,
                    )
            return offerer.evaluate("window.__firstFrame")

        shown = until(relay_candidates, 15, "a bare first frame", interval=0.005)
        if _run:
            times.append(shown - offerer.evaluate("window.__clicked"))
    for context in contexts:
        context.close()
    return summary(times)


# --------------------------------------------------------------------------- weak link


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=check, capture_output=True, text=True)


def netns_up(cap_kbit: int) -> None:
    netns_down()
    sh("ip", "netns", "add", NETNS)
    sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF)
    sh("ip", "link", "set", NS_IF, "netns", NETNS)
    sh("ip", "addr", "add", f"{HOST_IP}/24", "dev", HOST_IF)
    sh("ip", "link", "set", HOST_IF, "up")
    sh("ip", "netns", "exec", NETNS, "ip", "addr", "add", f"{NS_IP}/24", "dev", NS_IF)
    sh("ip", "netns", "exec", NETNS, "ip", "link", "set", NS_IF, "up")
    sh("ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up")
    # A token bucket each way: the nurse's upload (egress inside the namespace) and download.
    shape = ["tbf", "rate", f"{cap_kbit}kbit", "burst", "4kb", "latency", "300ms"]
    sh("ip", "netns", "exec", NETNS, "tc", "qdisc", "add", "dev", NS_IF, "root", *shape)
    sh("tc", "qdisc", "add", "dev", HOST_IF, "root", *shape)


def netns_down() -> None:
    sh("ip", "link", "del", HOST_IF, check=False)
    sh("ip", "netns", "del", NETNS, check=False)


def tc_counters() -> dict:
    out = {}
    for name, argv in (
        ("nurse_upload", ["ip", "netns", "exec", NETNS, "tc", "-s", "qdisc", "show", "dev", NS_IF]),
        ("nurse_download", ["tc", "-s", "qdisc", "show", "dev", HOST_IF]),
    ):
        text = sh(*argv, check=False).stdout
        words = text.split()
        try:
            sent = int(words[words.index("Sent") + 1])
            dropped = int(words[words.index("(dropped") + 1].rstrip(","))
        except (ValueError, IndexError):
            sent = dropped = -1
        out[name] = {"bytes": sent, "dropped_packets": dropped}
    return out


def weak_link(
    playwright, env: dict, data: dict, cap_kbit: int, hold: int, outage: float, workdir: str
) -> dict:
    """Part 2: the nurse's browser behind a shaped veth, for HOLD seconds."""
    netns_up(cap_kbit)
    port = free_port()
    server = Server(HOST_IP, port, env)
    base = server.url
    # Not a loopback origin: let Chromium treat it as secure so getUserMedia is allowed.
    args = [*CHROMIUM_ARGS, f"--unsafely-treat-insecure-origin-as-secure={base}"]
    wrapper = Path(workdir) / "chromium-in-netns"
    wrapper.write_text(f'#!/bin/sh\nexec ip netns exec {NETNS} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    root_browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    ns_browser = playwright.chromium.launch(executable_path=str(wrapper), args=args)
    try:
        _dc, doctor = room_page(root_browser, base, data["physician"], data["room"])
        doctor.locator("#call-join").click()
        until(lambda: state(doctor)["status"] == "admitted", 20, "the physician in the room")
        _nc, nurse = room_page(ns_browser, base, data["nurse"], data["room"])
        tc_before = tc_counters()
        nurse.locator("#call-join").click()
        started = time.monotonic()
        until(
            lambda: any(s["audioPacketsReceived"] > 0 for s in stats(nurse).values()),
            30,
            "audio over the shaped link",
            interval=0.2,
        )
        connected_after = round(time.monotonic() - started, 1)
        samples = []
        end = time.monotonic() + hold
        while time.monotonic() < end:
            time.sleep(2)
            n_stats = list(stats(nurse).values())
            d_stats = list(stats(doctor).values())
            samples.append(
                {
                    "t": round(time.monotonic() - started, 1),
                    "nurse": n_stats[0] if n_stats else None,
                    "doctor": d_stats[0] if d_stats else None,
                    "nurse_mode": state(nurse)["mode"],
                    "nurse_quality": state(nurse)["quality"],
                    "doctor_mode": state(doctor)["mode"],
                    "peer_state": state(nurse)["peers"],
                }
            )
        tc_after = tc_counters()
        recovery = blip(doctor, nurse, outage) if outage else None
    finally:
        root_browser.close()
        ns_browser.close()
        server.stop()
        netns_down()
    result = analyse(samples, cap_kbit, connected_after, tc_before, tc_after, hold)
    result["link_outage"] = recovery
    return result


def blip(doctor, nurse, outage: float) -> dict:
    """Take the nurse's link down for OUTAGE seconds; time the recovery after it comes back."""

    def frames(page) -> int:
        return sum(s["framesDecoded"] for s in stats(page).values())

    reloaded_marker = "window.__benchMarker = 'same page'"
    nurse.evaluate(reloaded_marker)
    sh("ip", "link", "set", HOST_IF, "down")
    time.sleep(outage)
    states_during = {"nurse": state(nurse)["peers"], "doctor": state(doctor)["peers"]}
    sh("ip", "link", "set", HOST_IF, "up")
    back = time.monotonic()
    until(
        lambda: (
            list(state(nurse)["peers"].values()) == ["connected"]
            and list(state(doctor)["peers"].values()) == ["connected"]
        ),
        30,
        "peers connected after the outage",
        interval=0.1,
    )
    connected = time.monotonic() - back

    def audio(page) -> int:
        return sum(s["audioPacketsReceived"] for s in stats(page).values())

    start = frames(nurse), frames(doctor), audio(nurse), audio(doctor)
    audio_after = video_after = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (audio_after is None or video_after is None):
        if audio_after is None and audio(nurse) > start[2] + 20 and audio(doctor) > start[3] + 20:
            audio_after = round(time.monotonic() - back, 1)
        if video_after is None and frames(nurse) > start[0] + 5 and frames(doctor) > start[1] + 5:
            video_after = round(time.monotonic() - back, 1)
        time.sleep(0.1)
    return {
        "outage_s": outage,
        "peer_states_during": states_during,
        "connected_again_after_s": round(connected, 1),
        "audio_both_ways_after_s": audio_after,
        "video_both_ways_after_s": video_after,  # None: not within 30 s (e.g. audio-only mode)
        "modes_after": {"nurse": state(nurse)["mode"], "doctor": state(doctor)["mode"]},
        "same_page": nurse.evaluate("window.__benchMarker") == "same page",
        "socket": state(nurse)["socket"],
    }


def analyse(samples, cap_kbit, connected_after, tc_before, tc_after, hold) -> dict:
    windows = []
    silent_windows = 0
    for index in range(0, len(samples) - 5, 5):
        first, last = samples[index], samples[index + 5]
        if not (first["nurse"] and last["nurse"] and first["doctor"] and last["doctor"]):
            silent_windows += 1
            continue
        seconds = (last["nurse"]["timestamp"] - first["nurse"]["timestamp"]) / 1000
        windows.append(
            {
                "from_s": first["t"],
                "nurse_video_sent_kbit_s": round(
                    (last["nurse"]["videoBytesSent"] - first["nurse"]["videoBytesSent"])
                    * 8
                    / 1000
                    / seconds,
                    1,
                ),
                "doctor_video_sent_kbit_s": round(
                    (last["doctor"]["videoBytesSent"] - first["doctor"]["videoBytesSent"])
                    * 8
                    / 1000
                    / seconds,
                    1,
                ),
                "audio_packets_to_nurse": last["nurse"]["audioPacketsReceived"]
                - first["nurse"]["audioPacketsReceived"],
                "audio_packets_to_doctor": last["doctor"]["audioPacketsReceived"]
                - first["doctor"]["audioPacketsReceived"],
                "frames_decoded_by_doctor": last["doctor"]["framesDecoded"]
                - first["doctor"]["framesDecoded"],
                "nurse_mode": last["nurse_mode"],
                "doctor_mode": last["doctor_mode"],
                "estimate_kbit_s": round((last["nurse"]["availableOutgoingBitrate"] or 0) / 1000),
            }
        )
    modes = []
    for sample in samples:
        pair = (sample["t"], sample["nurse_mode"], sample["doctor_mode"])
        if not modes or modes[-1][1:] != pair[1:]:
            modes.append(pair)
    audio_ok = (
        bool(windows)
        and all(
            w["audio_packets_to_nurse"] > 0 and w["audio_packets_to_doctor"] > 0 for w in windows
        )
        and silent_windows == 0
    )
    video_max = max((w["nurse_video_sent_kbit_s"] for w in windows), default=0)
    return {
        "constraint": f"tc tbf {cap_kbit} kbit/s each way on a veth into a network namespace",
        "hold_seconds": hold,
        "audio_after_join_s": connected_after,
        "windows_10s": windows,
        "mode_changes": [{"t": t, "nurse": n, "doctor": d} for t, n, d in modes],
        "audio_kept_flowing": audio_ok,
        "nurse_video_max_kbit_s": video_max,
        "video_under_cap": video_max < cap_kbit,
        "tc": {
            key: {
                "bytes": tc_after[key]["bytes"] - tc_before[key]["bytes"],
                "dropped_packets": tc_after[key]["dropped_packets"]
                - tc_before[key]["dropped_packets"],
            }
            for key in tc_after
        },
        "final_peer_state": samples[-1]["peer_state"] if samples else None,
    }


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    version = sh(CHROMIUM, "--version", check=False).stdout.strip().split(" built")[0]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": os.cpu_count(),
        "cpu": model,
        "chromium": version,
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--hold", type=int, default=60, help="seconds on the shaped link")
    parser.add_argument("--cap-kbit", type=int, default=150)
    parser.add_argument("--outage", type=float, default=8, help="link-down seconds; 0: none")
    parser.add_argument("--skip-weak-link", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from cryptography.fernet import Fernet

    workdir = tempfile.mkdtemp(prefix="digifys-bench-video-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEY": Fernet.generate_key().decode("ascii"),
        "SECURE_COOKIES": "0",
        "DIGIFYS_VAR_DIR": workdir,
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "VIDEO_AUTO_ADMIT_STAFF": "1",
        "ALLOWED_HOSTS": f"127.0.0.1,localhost,{HOST_IP}",
    }
    os.environ.update(env)
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    result = {"benchmark": "video_join", "machine": machine()}
    try:
        data = seed()
        server = Server("127.0.0.1", free_port(), env)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                result["join_to_first_frame_ms"] = join_latency(
                    browser, server.url, data, args.runs
                )
                result["baseline_bare_webrtc_ms"] = bare_baseline(browser, server.url, args.runs)
                browser.close()
        finally:
            server.stop()
        join_median = result["join_to_first_frame_ms"]["median"]
        result["median_ratio_vs_baseline"] = round(
            join_median / max(1, result["baseline_bare_webrtc_ms"]["median"]), 2
        )
        result["target_median_ms"] = 1500
        result["join_ok"] = join_median <= 1500
        if not args.skip_weak_link:
            with sync_playwright() as playwright:
                result["weak_link"] = weak_link(
                    playwright, env, data, args.cap_kbit, args.hold, args.outage, workdir
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
