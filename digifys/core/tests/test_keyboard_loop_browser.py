"""The digi-physical loop with the keyboard alone (issue 12 §2, WCAG 2.1.1, 2.4.3, 2.4.7).

A nurse and a physician in two Chromium contexts go through vitals → SBAR → answer → order →
task → signed note using only Tab, Shift+Tab, Enter, Space and typing (plus an arrow key to move
within a radio group, which is how the keyboard works there). No clicks.

Every element the focus stops on along the way must show a visible focus indicator and be
scrolled into view (not hidden under something pinned to the screen), and Tab must reach each
control it needs within a bounded number of presses (no focus traps). All findings are reported
at once.
"""

import pytest
from django.urls import reverse

from digifys.consults.models import Consult, JournalNote
from digifys.orders.models import NurseTask
from digifys.testing.accounts import session_cookie
from digifys.vitals.models import Observation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}

# About the focused element: does it match SELECTOR, does it show focus, is it in view?
FOCUSED = """
(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {matches: false, body: true};
  const shows = (node) => {
    if (!node) return false;
    const s = getComputedStyle(node);
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return outline || s.boxShadow !== "none";
  };
  // A radio button or checkbox may show its focus on its label (the visible target).
  const label = el.closest("label") || (el.labels && el.labels[0]);
  const r = el.getBoundingClientRect();
  const covered = (() => {
    const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 10), 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    return top && !(el.contains(top) || top.contains(el) || (label && label.contains(top)));
  })();
  const text = (el.getAttribute("aria-label") || el.innerText || el.name || el.id || "")
    .replace(/\\s+/g, " ").trim().slice(0, 50);
  return {
    matches: el.matches(selector),
    body: false,
    visible: shows(el) || shows(label),
    inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
    covered: Boolean(covered),
    what: `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}> "${text}"`
      + ` on ${location.pathname}`,
  };
}
"""


class Walker:
    """Moves the focus with Tab and collects what a keyboard user would stumble on."""

    def __init__(self, page):
        self.page = page
        self.findings: list[str] = []

    def tab_to(self, selector: str, *, limit: int = 150) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(FOCUSED, selector)
            if not focused["body"]:
                if not focused["visible"]:
                    self.findings.append(f"no visible focus: {focused['what']}")
                if not focused["inView"] or focused["covered"]:
                    self.findings.append(f"focused but hidden: {focused['what']}")
            if focused["matches"]:
                return
        raise AssertionError(
            f"Tab did not reach {selector} in {limit} presses on {self.page.url}; "
            f"findings so far: {self.findings}"
        )

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def press(self, selector: str, key: str = "Enter") -> None:
        self.tab_to(selector)
        self.page.keyboard.press(key)

    def follow(self, selector: str, key: str = "Enter") -> None:
        """Tab to SELECTOR and press KEY, which loads another page."""
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def _open(chromium, live_server, user):
    context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", viewport=TABLET)
    context.add_cookies([session_cookie(user, live_server.url)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_the_loop_works_with_the_keyboard_alone(world, chromium, live_server):
    resident = world.resident_mala
    nurse_context, nurse_page = _open(chromium, live_server, world.nurse_mala)
    doctor_context, doctor_page = _open(chromium, live_server, world.physician_spain)
    nurse, doctor = Walker(nurse_page), Walker(doctor_page)
    try:
        # The nurse starts on her worklist and opens the vital-signs form of a resident.
        nurse_page.goto(f"{live_server.url}{reverse('worklist:unit', args=[world.unit_mala.pk])}")
        nurse.follow(f"#resident-{resident.pk} a.worklist-action")
        assert nurse_page.url.endswith(reverse("vitals:record", args=[resident.pk]))
        nurse.type_into("#id_respiratory_rate", "22")
        nurse.type_into("#id_spo2", "95")
        nurse.press("#id_on_oxygen_0", "Space")  # air
        nurse.type_into("#id_systolic_bp", "105")
        nurse.type_into("#id_diastolic_bp", "70")
        nurse.type_into("#id_pulse", "95")
        nurse.press("#id_consciousness_0", "Space")  # A
        nurse.type_into("#id_temperature", "38,3")
        nurse.follow(".vitals-actions button[type=submit]")
        observation = Observation.objects.get(resident=resident)
        assert observation.news2_total == 6

        # The unit's response offers an SBAR consult.
        nurse.follow("a.vitals-sbar")
        nurse.type_into("#id_situation", "Greta andas snabbare och har feber sedan i morse.")
        nurse.type_into("#id_recommendation", "Bedömning inom 30 minuter, ordination?")
        nurse.follow("form.consult-form button[type=submit]")
        consult = Consult.objects.get(resident=resident)
        detail = reverse("consults:detail", args=[consult.pk])

        # The physician opens it from the inbox and answers.
        doctor_page.goto(f"{live_server.url}{reverse('consults:inbox')}")
        doctor.follow(f"#inbox-rows a[href='{detail}']")
        doctor.type_into("#id_message-body", "Jag tittar på det nu. Ta CRP.")
        doctor.follow("button[name='message-kind'][value='message']")
        assert consult.messages.filter(body__contains="Ta CRP").exists()

        # ... and orders a sample.
        doctor.follow(f"a[href='{reverse('orders:new', args=[consult.pk])}']")
        doctor.tab_to("input[name=kind]")
        while not doctor_page.is_checked("input[name=kind][value=sample]"):
            doctor_page.keyboard.press("ArrowRight")
        doctor.type_into("#id_instructions", "Ta CRP och ring mig med svaret.")
        doctor.follow(".orders-actions button[type=submit]:not([name])")
        task = NurseTask.objects.get(resident=resident)

        # The nurse completes the task with the result.
        nurse_page.goto(f"{live_server.url}{reverse('orders:tasks')}")
        complete = reverse("orders:complete", args=[task.pk])
        nurse.follow(f".orders-task-actions a[href^='{complete}']")
        nurse.type_into("#id_result", "CRP 85 mg/l.")
        nurse.follow(".orders-actions button[type=submit]")
        task.refresh_from_db()
        assert task.status == NurseTask.Status.DONE

        # The physician writes the journal note and signs it.
        doctor_page.goto(f"{live_server.url}{detail}")
        doctor.type_into("#id_note-aktuellt", "Feber och takypné sedan i morse.")
        doctor.type_into("#id_note-status", "NEWS2 6. CRP 85.")
        doctor.type_into("#id_note-bedomning", "Misstänkt pneumoni.")
        doctor.type_into("#id_note-atgard", "Antibiotika enligt ordination. Ny kontroll i morgon.")
        doctor.follow("#note form[action$='/note/'] button[type=submit]")
        doctor.press("#id_sign-confirm", "Space")
        doctor.follow("form.consult-sign button[type=submit]")
        assert JournalNote.objects.filter(consult=consult, signed_at__isnull=False).exists()
    finally:
        nurse_context.close()
        doctor_context.close()
    findings = sorted(set(nurse.findings + doctor.findings))
    assert not findings, f"{len(findings)} keyboard findings:\n" + "\n".join(findings)
