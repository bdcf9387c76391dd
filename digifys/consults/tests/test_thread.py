"""The consult thread: what each role may do, journal notes, photos and the live partial."""

import datetime

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.consults import services
from digifys.consults.models import Consult, ConsultMessage, ConsultPhoto, JournalNote
from digifys.orders import services as orders

from .builders import png_bytes, png_upload, record_vitals, send


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def consult(world):
    return send(world, observation=record_vitals(world))


def _url(name: str, pk: int) -> str:
    return reverse(f"consults:{name}", args=[pk])


def _reload(consult: Consult) -> Consult:
    return Consult.objects.get(pk=consult.pk)


def _reads(before: int) -> list:
    return [
        (e.resident_id, e.object_type)
        for e in AuditEvent.objects.order_by("seq")[before:]
        if e.action == "read"
    ]


# --- Reading the thread ---------------------------------------------------------------------


def test_the_thread_shows_sbar_vital_signs_and_events_in_order(world, login, consult):
    html = login(world.physician_spain, language="en").get(_url("detail", consult.pk))
    html = html.content.decode()

    sbar = html.index("Greta är tröttare och andas snabbare sedan i morse.")
    vitals = html.index("NEWS2 6")
    event = html.index("Carmen Doctor (", vitals)
    assert sbar < vitals < event
    assert "scale 1" in html
    assert f'data-live-socket="/ws/consults/{consult.pk}/"' in html
    assert f'hx-get="{_url("thread", consult.pk)}"' in html
    assert 'hx-trigger="live-update"' in html
    assert 'aria-live="polite"' in html


def test_the_live_partial_is_the_thread_alone_with_one_read_entry(world, login, consult):
    client = login(world.nurse_mala, language="en")
    before = AuditEvent.objects.count()

    response = client.get(_url("thread", consult.pk), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Greta Lind" in html
    assert "Greta är tröttare" in html
    assert 'id="consult-announcer" hx-swap-oob="innerHTML"' in html
    assert _reads(before) == [(world.resident_mala.pk, "consult")]


def test_the_page_writes_one_read_entry(world, login, consult):
    client = login(world.physician_spain)
    before = AuditEvent.objects.count()
    client.get(_url("detail", consult.pk))
    assert _reads(before) == [(world.resident_mala.pk, "consult")]


def test_a_nurse_of_another_unit_cannot_read_the_thread(world, login, consult):
    client = login(world.nurse_storuman)
    assert client.get(_url("detail", consult.pk)).status_code == 404
    assert client.get(_url("thread", consult.pk)).status_code == 404


def test_the_thread_shows_orders_and_their_task_results(world, login, consult):
    order = orders.place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="sample",
        instructions="Ta CRP.",
        consult=consult,
    )
    orders.complete_task(actor=world.nurse_mala, task=order.tasks.get(), result="CRP 85.")

    html = login(world.physician_spain, language="en").get(_url("detail", consult.pk))
    html = html.content.decode()

    assert "Ta CRP." in html
    assert "CRP 85." in html
    assert "Anna Nurse" in html
    assert _reload(consult).status == Consult.Status.ANSWERED


# --- Actions by role ------------------------------------------------------------------------


def test_a_nurse_cannot_accept_a_consult(world, login, consult):
    response = login(world.nurse_mala).post(_url("accept", consult.pk))
    assert response.status_code == 403
    assert _reload(consult).status == Consult.Status.SENT


def test_the_nurse_sees_no_physician_actions(world, login, consult):
    html = login(world.nurse_mala, language="en").get(_url("detail", consult.pk))
    html = html.content.decode()
    assert _url("accept", consult.pk) not in html
    assert _url("handover", consult.pk) not in html
    assert _url("note", consult.pk) not in html
    assert _url("close", consult.pk) in html
    assert _url("message", consult.pk) in html


def test_the_physician_accepts_and_replies_and_the_consult_is_answered(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("accept", consult.pk))
    assert response.status_code == 302
    assert _reload(consult).status == Consult.Status.ACCEPTED

    response = client.post(
        _url("message", consult.pk), {"message-body": "Ge Alvedon 1 g. Ny NEWS2 om 1 timme."}
    )
    assert response.status_code == 302
    assert response.url == _url("detail", consult.pk) + "#thread-end"
    assert _reload(consult).status == Consult.Status.ANSWERED
    html = client.get(response.url).content.decode()
    assert "Ge Alvedon 1 g. Ny NEWS2 om 1 timme." in html
    assert _url("accept", consult.pk) not in html  # already accepted by this physician


def test_an_empty_reply_is_refused_and_nothing_is_posted(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("message", consult.pk), {"message-body": "  "})

    assert response.status_code == 400
    assert "Write a message before sending." in response.content.decode()
    assert not consult.messages.filter(kind=ConsultMessage.Kind.MESSAGE).exists()
    assert _reload(consult).status == Consult.Status.SENT


def test_the_physician_asks_for_new_vital_signs_and_the_nurse_sees_it(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("message", consult.pk), {"message-kind": "vitals_request"})

    assert response.status_code == 302
    request = consult.messages.get(kind=ConsultMessage.Kind.VITALS_REQUEST)
    assert "NEWS2" in request.text and request.code == "vitals_request"
    assert _reload(consult).status == Consult.Status.ANSWERED
    html = login(world.nurse_mala, language="en").get(_url("detail", consult.pk))
    html = html.content.decode()
    assert "Asks for new vital signs" in html
    assert "New vital signs" in html


def test_a_nurse_cannot_ask_for_new_vital_signs(world, login, consult):
    response = login(world.nurse_mala).post(
        _url("message", consult.pk), {"message-body": "Ta nya", "message-kind": "vitals_request"}
    )
    assert response.status_code == 403
    assert not consult.messages.filter(kind=ConsultMessage.Kind.VITALS_REQUEST).exists()


def test_a_nurse_writes_to_the_physician(world, login, consult):
    response = login(world.nurse_mala).post(
        _url("message", consult.pk), {"message-body": "Temp nu 38,9."}
    )
    assert response.status_code == 302
    assert consult.messages.get(kind=ConsultMessage.Kind.MESSAGE).body == "Temp nu 38,9."
    assert _reload(consult).status == Consult.Status.SENT


def test_handing_over_needs_a_reason_and_keeps_what_was_typed(world, login, consult):
    client = login(world.physician_spain, language="en")
    other = world.other_physician.staff_profile

    response = client.post(
        _url("handover", consult.pk), {"handover-to": other.pk, "handover-reason": ""}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Say why you hand the consult over." in html
    assert f'<option value="{other.pk}" selected>' in html
    assert _reload(consult).assigned_to == world.physician_spain.staff_profile


def test_the_physician_hands_over_to_another_physician(world, login, consult):
    client = login(world.physician_spain, language="en")
    other = world.other_physician.staff_profile

    response = client.post(
        _url("handover", consult.pk),
        {"handover-to": other.pk, "handover-reason": "Jag är på hembesök i eftermiddag."},
    )

    assert response.status_code == 302
    consult = _reload(consult)
    assert consult.assigned_to == other
    assert consult.routed_to == Consult.RoutedTo.HANDOVER
    assert consult.messages.filter(
        code="handed_over", params__reason="Jag är på hembesök i eftermiddag."
    ).exists()
    # The other physician now sees the consult (an open consult assigned to them).
    assert login(world.other_physician).get(_url("detail", consult.pk)).status_code == 200


def test_a_nurse_cannot_hand_over(world, login, consult):
    response = login(world.nurse_mala).post(
        _url("handover", consult.pk),
        {"handover-to": world.other_physician.staff_profile.pk, "handover-reason": "x"},
    )
    assert response.status_code == 403


def test_closing_needs_a_reason(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("close", consult.pk), {"close-reason": ""})

    assert response.status_code == 400
    assert "Say why the consult is closed." in response.content.decode()
    assert _reload(consult).status == Consult.Status.SENT


def test_the_physician_closes_the_consult_with_a_reason(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("close", consult.pk), {"close-reason": "Besvarat per telefon."})

    assert response.status_code == 302
    consult = _reload(consult)
    assert consult.status == Consult.Status.CLOSED
    assert consult.close_reason == "Besvarat per telefon."
    html = client.get(_url("detail", consult.pk)).content.decode()
    assert "Besvarat per telefon." in html
    assert _url("message", consult.pk) not in html  # no more writing in a closed consult
    assert "This consult is closed." in html


def test_the_nurse_closes_a_consult_she_no_longer_needs(world, login, consult):
    response = login(world.nurse_mala).post(
        _url("close", consult.pk), {"close-reason": "Feber över, mår bra."}
    )
    assert response.status_code == 302
    assert _reload(consult).closed_by == world.nurse_mala


def test_an_on_duty_physician_is_sent_to_the_inbox_after_closing(world, login, consult, settings):
    settings.CONSULT_FOLLOW_UP_DAYS = 0  # no follow-up period after closing
    services.hand_over(
        actor=world.physician_spain,
        consult=consult,
        to=world.other_physician.staff_profile,
        reason="Semester.",
    )

    response = login(world.other_physician).post(
        _url("close", consult.pk), {"close-reason": "Klart."}
    )

    # A closed consult is no longer a care relationship for a physician outside the panel.
    assert response.status_code == 302
    assert response.url == reverse("consults:inbox")


def test_htmx_actions_redirect_the_browser(world, login, consult):
    response = login(world.physician_spain).post(_url("accept", consult.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("detail", consult.pk)


# --- Journal notes --------------------------------------------------------------------------

NOTE = {
    "note-aktuellt": "Andas snabbare sedan i morse.",
    "note-status": "Opåverkad, lungor: krepitationer bilateralt.",
    "note-bedomning": "Misstänkt pneumoni.",
    "note-atgard": "CRP, ny NEWS2 om 1 timme.",
}


def test_a_journal_note_is_drafted_signed_and_then_read_only(world, login, consult):
    client = login(world.physician_spain, language="en")

    response = client.post(_url("note", consult.pk), NOTE)
    assert response.status_code == 302
    note = JournalNote.objects.get()
    assert note.bedomning == "Misstänkt pneumoni."
    assert not note.is_signed
    html = client.get(_url("detail", consult.pk)).content.decode()
    assert "Your draft journal note" in html
    assert _url("sign_note", note.pk) in html

    response = client.post(_url("sign_note", note.pk), {})
    assert response.status_code == 400
    assert "Confirm that you sign the note." in response.content.decode()
    assert not JournalNote.objects.get().is_signed

    response = client.post(_url("sign_note", note.pk), {"sign-confirm": "on"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.is_signed

    html = client.get(_url("detail", consult.pk)).content.decode()
    assert "Signed by Carmen Doctor" in html
    assert "Misstänkt pneumoni." in html
    assert _url("sign_note", note.pk) not in html
    assert f"?amend={note.pk}" in html


def test_a_signed_note_cannot_be_changed(world, login, consult):
    note = services.save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="A",
        status="S",
        bedomning="Pneumoni.",
        atgard="Å",
    )
    services.sign_note(actor=world.physician_spain, note=note)
    client = login(world.physician_spain, language="en")

    response = client.post(_url("sign_note", note.pk), {"sign-confirm": "on"})
    assert response.status_code == 400
    assert "already signed" in response.content.decode()

    client.post(_url("note", consult.pk), {**NOTE, "note-bedomning": "Ändrad bedömning."})
    note.refresh_from_db()
    assert note.bedomning == "Pneumoni."  # the signed note is untouched
    assert JournalNote.objects.filter(signed_at__isnull=True).get().bedomning == (
        "Ändrad bedömning."
    )


def test_an_amendment_is_a_new_note_that_points_at_the_signed_one(world, login, consult):
    signed = services.sign_note(
        actor=world.physician_spain,
        note=services.save_note(
            actor=world.physician_spain,
            consult=consult,
            aktuellt="A",
            status="S",
            bedomning="Pneumoni.",
            atgard="Å",
        ),
    )
    client = login(world.physician_spain, language="en")

    form = client.get(_url("detail", consult.pk) + f"?amend={signed.pk}").content.decode()
    assert f'name="note-amends" value="{signed.pk}"' in form
    assert "Amendment to a signed journal note" in form

    response = client.post(
        _url("note", consult.pk),
        {**NOTE, "note-bedomning": "Pneumoni, nu även hjärtsvikt.", "note-amends": signed.pk},
    )

    assert response.status_code == 302
    amendment = JournalNote.objects.exclude(pk=signed.pk).get()
    assert amendment.amends == signed
    assert not amendment.is_signed


def test_an_empty_note_is_refused(world, login, consult):
    response = login(world.physician_spain, language="en").post(_url("note", consult.pk), {})
    assert response.status_code == 400
    assert "Write the note before saving." in response.content.decode()
    assert not JournalNote.objects.exists()


def test_a_nurse_cannot_write_or_sign_a_journal_note(world, login, consult):
    note = services.save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="A",
        status="",
        bedomning="",
        atgard="",
    )
    client = login(world.nurse_mala)
    assert client.post(_url("note", consult.pk), NOTE).status_code == 403
    assert client.post(_url("sign_note", note.pk), {"sign-confirm": "on"}).status_code == 403
    note.refresh_from_db()
    assert not note.is_signed


def test_only_the_author_signs_a_note(world, login, consult):
    note = services.save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="A",
        status="",
        bedomning="",
        atgard="",
    )
    services.hand_over(
        actor=world.physician_spain,
        consult=consult,
        to=world.other_physician.staff_profile,
        reason="Semester.",
    )
    response = login(world.other_physician).post(_url("sign_note", note.pk), {"sign-confirm": "on"})
    assert response.status_code == 403
    note.refresh_from_db()
    assert not note.is_signed


# --- Photos ---------------------------------------------------------------------------------


@pytest.fixture
def photo(world):
    consult = send(world, photos=[png_upload("wound.png")])
    return consult.photos.get()


def test_the_thread_shows_photo_thumbnails_served_by_the_photo_view(world, login, photo):
    html = login(world.nurse_mala).get(_url("detail", photo.consult_id)).content.decode()
    assert f'src="{_url("photo", photo.pk)}"' in html
    assert "/media/" not in html


def test_a_nurse_of_the_unit_gets_the_photo_and_the_read_is_logged(world, login, photo):
    client = login(world.nurse_mala)
    before = AuditEvent.objects.count()

    response = client.get(_url("photo", photo.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == png_bytes()
    assert _reads(before) == [(world.resident_mala.pk, "consult_photo")]


def test_a_nurse_of_another_unit_cannot_get_the_photo(world, login, photo):
    before = AuditEvent.objects.count()
    assert login(world.nurse_storuman).get(_url("photo", photo.pk)).status_code == 404
    assert AuditEvent.objects.count() == before


def test_a_relative_cannot_get_the_photo(world, login, photo):
    assert login(world.relative_with_consent).get(_url("photo", photo.pk)).status_code == 403


def test_a_photo_whose_file_is_gone_is_not_found(world, login, photo):
    photo.image.delete(save=False)
    assert login(world.nurse_mala).get(_url("photo", photo.pk)).status_code == 404


def test_photos_are_not_listed_in_the_admin(world, login, photo):
    client = login(world.administrator)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "consultphoto" not in response.content.decode().lower()
    assert ConsultPhoto.objects.count() == 1


def test_the_thread_shows_newer_vital_signs(world, login, consult):
    later = record_vitals(
        world,
        respiratory_rate=26,
        measured_at=consult.observation.measured_at + datetime.timedelta(minutes=1),
    )
    html = login(world.physician_spain, language="en").get(_url("detail", consult.pk))
    assert "Newer vital signs" in html.content.decode()
    assert f"NEWS2 {later.news2_total}" in html.content.decode()
