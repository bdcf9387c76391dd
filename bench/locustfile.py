"""The region's peak as Locust users: nurses, physicians, coordinators and relatives at once.

Run by `bench/peak.py` (headless, against the cluster of `deploy/cluster.py`), which seeds the
accounts and passes them in the JSON file named by PEAK_ACCOUNTS:
`{"nurse": [{"username", "unit", "residents"}], "physician": [...], "coordinator": [...],
"relative": [{"username", "resident"}], "password": "...", "totp_secret": "..."}`.

Each simulated person logs in once through the real forms: the login form (username and
password), then — staff — allauth's two-factor step with the current code of their authenticator
app (the seeded TOTP secret). Those requests are named "login: …". When the last user has logged
in, the statistics are reset and the run stops PEAK_MEASURE_SECONDS later: the figures are of
everyone working, without the logins (each a deliberately slow password hash) or the ramp.
Then they work, with think times between actions:

- nurses (weight 60): the unit's worklist; a resident's vital-signs form, saved (NEWS2 6); now and
  then the SBAR consult that follows; the task list;
- physicians (6): the consult inbox; a consult, answered with a message; a draft journal note;
  the orders list;
- coordinators (6): the overview, the week planner's plans, absences, the resident list;
- relatives (28): their start page, the messages to the unit, now and then a message.

Proportions and think times: docs/performance.md, "The region's peak".
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
import uuid
from pathlib import Path

import gevent
import loop_latency
from locust import HttpUser, between, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter

ACCOUNTS = json.loads(Path(os.environ["PEAK_ACCOUNTS"]).read_text(encoding="utf-8"))
_next = dict.fromkeys(("nurse", "physician", "coordinator", "relative"), 0)
_logged_in = 0
_people = 0
LOGIN_FAILURES: list[str] = []

# The deteriorating set (NEWS2 6) and the SBAR the loop benchmark sends (Locust puts this file's
# folder on sys.path while it imports it).
VITALS, SBAR = loop_latency.DETERIORATING, loop_latency.SBAR
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp_code(secret: str) -> str:
    """The current code of an authenticator app with SECRET (RFC 6238, as allauth checks it)."""
    counter = int(time.time() // 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _everyone_is_in(environment) -> None:
    """Measure from now on: reset the statistics, stop after PEAK_MEASURE_SECONDS."""
    environment.runner.stats.reset_all()
    gevent.spawn_later(float(os.environ.get("PEAK_MEASURE_SECONDS", "60")), _stop, environment)


def _stop(environment) -> None:
    """Say how many logins were refused (PEAK_LOGINS file), then end the run."""
    Path(os.environ["PEAK_LOGINS"]).write_text(
        json.dumps({"logged_in": _logged_in - len(LOGIN_FAILURES), "refused": LOGIN_FAILURES})
    )
    environment.runner.quit()


def _take(role: str) -> dict:
    """The next unused account of ROLE (each simulated person is a different staff member)."""
    pool = ACCOUNTS[role]
    account = pool[_next[role] % len(pool)]
    _next[role] += 1
    return account


class FromAddress(HTTPAdapter):
    """Connect from a loopback address of one's own: every person comes from their own network
    (the cluster reads the client address as HAProxy saw it, and allauth limits logins to 30 a
    minute per address)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Person(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        global _logged_in, _people
        _people += 1
        self.client.mount("http://", FromAddress(f"127.1.{_people // 250}.{_people % 250 + 1}"))
        self.account = _take(self.role)
        refused = None
        try:
            self.login()
        except Exception as error:  # counted and reported by peak.py
            refused = f"{self.account['username']}: {error}"
            LOGIN_FAILURES.append(refused)
        finally:
            _logged_in += 1
            if _logged_in == self.environment.parsed_options.num_users:
                _everyone_is_in(self.environment)
        if refused:
            raise StopUser()

    def _csrf(self, html: str) -> str:
        found = CSRF_FIELD.search(html)
        return found.group(1) if found else ""

    def post_form(self, url: str, data: dict, *, name: str, expect=(302,), page: str = ""):
        """POST DATA with the CSRF token of PAGE (fetched first when not given)."""
        if not page:
            with self.client.get(url, name=name + " (form)", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"form {response.status_code}")
                    self.last_refusal = response.status_code
                    return None
                page = response.text
        with self.client.post(
            url,
            data={**data, "csrfmiddlewaretoken": self._csrf(page)},
            name=name,
            headers={"Referer": self.host + url},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"{response.status_code}")
                self.last_refusal = response.status_code
                return None
            return response

    def login(self) -> None:
        account = self.account
        with self.client.get("/accounts/login/", name="login: form", catch_response=True) as r:
            page = r.text
        done = self.post_form(
            "/accounts/login/",
            {"login": account["username"], "password": ACCOUNTS["password"]},
            name="login: password",
            page=page,
        )
        if done is None:
            raise RuntimeError(f"{self.last_refusal}: login refused for {account['username']}")
        if "/2fa/authenticate/" in done.headers.get("Location", ""):
            with self.client.get(
                "/accounts/2fa/authenticate/",
                name="login: second factor (form)",
                catch_response=True,
            ) as r:
                page = r.text
            done = self.post_form(
                "/accounts/2fa/authenticate/",
                {"code": totp_code(ACCOUNTS["totp_secret"])},
                name="login: second factor",
                page=page,
            )
            if done is None:
                raise RuntimeError(
                    f"{self.last_refusal}: second factor refused for {account['username']}"
                )

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            return r


class Nurse(Person):
    role = "nurse"
    weight = 60
    wait_time = between(10, 30)

    @task(4)
    def worklist(self) -> None:
        self.get(f"/worklist/units/{self.account['unit']}/", "nurse: worklist")

    @task(2)
    def vital_signs(self) -> None:
        resident = random.choice(self.account["residents"])
        url = f"/vitals/{resident}/new/"
        saved = self.post_form(
            url,
            {**VITALS, "idempotency_key": str(uuid.uuid4())},
            name="nurse: vital signs saved",
        )
        if saved is None or random.random() > 0.3:
            return
        found = re.search(r"observations/(\d+)/", saved.headers.get("Location", ""))
        if not found:
            return
        observation = found.group(1)
        self.post_form(
            f"/consults/new/{resident}/?observation={observation}",
            {**SBAR, "observation": observation, "idempotency_key": str(uuid.uuid4())},
            name="nurse: SBAR consult sent",
        )

    @task(1)
    def task_list(self) -> None:
        self.get("/tasks/", "nurse: tasks")


class Physician(Person):
    role = "physician"
    weight = 6
    wait_time = between(15, 45)

    def _a_consult(self) -> str | None:
        inbox = self.get("/consults/inbox/", "physician: inbox")
        ids = re.findall(r'href="/consults/(\d+)/"', inbox.text or "")
        return random.choice(ids) if ids else None

    @task(3)
    def inbox(self) -> None:
        self.get("/consults/inbox/", "physician: inbox")

    @task(2)
    def answer(self) -> None:
        consult = self._a_consult()
        if consult is None:
            return
        self.post_form(
            f"/consults/{consult}/message/",
            {
                "message-body": "Sätt in extra vätska, ny kontroll om 2 timmar.",
                "message-kind": "message",
            },
            name="physician: consult answered",
            page=self.get(f"/consults/{consult}/", "physician: consult").text,
        )

    @task(1)
    def note(self) -> None:
        consult = self._a_consult()
        if consult is None:
            return
        self.post_form(
            f"/consults/{consult}/note/",
            {
                "note-aktuellt": "Feber och takypné sedan i morse.",
                "note-status": "AF 22, SpO2 95 %, puls 95, temp 38,3.",
                "note-bedomning": "Misstänkt luftvägsinfektion.",
                "note-atgard": "Vätska, ny NEWS2 om 2 timmar.",
            },
            name="physician: journal note saved",
            page=self.get(f"/consults/{consult}/", "physician: consult").text,
        )

    @task(1)
    def orders(self) -> None:
        self.get("/tasks/", "physician: orders")


class Coordinator(Person):
    role = "coordinator"
    weight = 6
    wait_time = between(20, 60)

    @task(2)
    def overview(self) -> None:
        self.get("/careteams/overview/", "coordinator: overview")

    @task(2)
    def plans(self) -> None:
        self.get("/scheduling/plans/", "coordinator: week plans")

    @task(1)
    def absences(self) -> None:
        self.get("/scheduling/absences/", "coordinator: absences calendar")

    @task(1)
    def residents(self) -> None:
        self.get("/residents/", "coordinator: residents")


class Relative(Person):
    role = "relative"
    weight = 28
    wait_time = between(20, 60)

    @task(3)
    def portal(self) -> None:
        self.get("/relatives/", "relative: portal")

    @task(2)
    def messages(self) -> None:
        self.get(f"/messages/relative/{self.account['resident']}/", "relative: messages")

    @task(1)
    def write(self) -> None:
        url = f"/messages/relative/{self.account['resident']}/"
        self.post_form(
            url,
            {"text": "Hej! Hur har mamma haft det i dag?"},
            name="relative: message sent",
            page=self.get(url, "relative: messages").text,
        )
