"""The SBAR consult form: pre-fill, bad input that changes nothing, and sending."""

import datetime
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.consults.models import Consult, ConsultPhoto
from digifys.residents.models import Diagnosis, Medication, TreatmentLimitation
from digifys.vitals import services as vitals

from .builders import png_bytes, png_upload, record_vitals

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 10:00 in Stockholm


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(resident, **query):
    url = reverse("consults:new", args=[resident.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def _form_values(**overrides):
    values = {
        "caller_phone": "070-174 06 05",
        "situation": "Greta andas snabbare och är varm sedan i morse.",
        "background": "Hjärtsvikt, Furosemid.",
        "assessment": "NEWS2 6, medelhög risk.",
        "recommendation": "Bedömning inom 30 minuter.",
        "urgency": "urgent",
    }
    values.update(overrides)
    return values


def _textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert match, name
    return match.group(1)


def _files_on_disk(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_background_is_prefilled_with_diagnoses_medication_and_limitations(world, login):
    Diagnosis.objects.create(resident=world.resident_mala, icd10_code="I50.9", text="Hjärtsvikt")
    Diagnosis.objects.create(
        resident=world.resident_mala, icd10_code="J44.9", text="KOL", is_active=False
    )
    Medication.objects.create(
        resident=world.resident_mala, name="Furosemid", atc_code="C03CA01", dose="40 mg 1x1"
    )
    TreatmentLimitation.objects.create(
        resident=world.resident_mala,
        kind="no_cpr",
        description="Efter samtal med dottern.",
        decided_by=world.physician_spain.staff_profile,
    )
    Diagnosis.objects.create(
        resident=world.resident_mala_2, icd10_code="E11.9", text="Diabetes typ 2"
    )

    response = login(world.nurse_mala, language="en").get(_url(world.resident_mala))

    assert response.status_code == 200
    background = _textarea(response.content.decode(), "background")
    assert "I50.9 Hjärtsvikt" in background
    assert "Furosemid 40 mg 1x1" in background
    assert "Efter samtal med dottern." in background
    assert "Carmen Doctor" in background  # who decided the limitation
    assert "KOL" not in background  # inactive
    assert "Diabetes" not in background  # another resident


def test_the_current_condition_is_prefilled_with_the_given_vital_signs(world, login):
    given = record_vitals(world)
    record_vitals(world, respiratory_rate=16, temperature="36.8")  # a later, calmer set

    response = login(world.nurse_mala, language="en").get(
        _url(world.resident_mala, observation=given.pk)
    )

    html = response.content.decode()
    assessment = _textarea(html, "assessment")
    assert re.search(r"NEWS2 (total|totalt) 6\b", assessment)
    assert re.search(r"\((scale|skala) 1\)", assessment)
    assert "22/min (2 p)" in assessment
    assert "38,3 °C (1 p)" in assessment  # Swedish decimal comma: the record is Swedish
    assert f'name="observation" value="{given.pk}"' in html


def test_the_current_condition_uses_the_latest_vital_signs_and_shows_scale_2(world, login):
    record_vitals(world)
    vitals.record_scale2_decision(actor=world.physician_spain, resident=world.resident_mala)
    latest = record_vitals(world, spo2=89, spo2_scale=2, respiratory_rate=16, temperature="36.9")

    response = login(world.nurse_mala, language="en").get(_url(world.resident_mala))

    html = response.content.decode()
    assessment = _textarea(html, "assessment")
    assert re.search(rf"NEWS2 (total|totalt) {latest.news2_total}\b", assessment)
    assert re.search(r"SpO2 89 % \((scale|skala) 2\)", assessment)
    assert f'name="observation" value="{latest.pk}"' in html


def test_without_vital_signs_the_form_says_none_were_recorded(world, login):
    response = login(world.nurse_mala, language="en").get(_url(world.resident_mala))
    assert "NEWS2" in _textarea(response.content.decode(), "assessment")
    assert 'name="observation" id="id_observation"' in response.content.decode()


def test_the_urgency_from_the_link_is_chosen_and_each_urgency_shows_its_deadline(
    world, login, settings
):
    settings.CONSULT_DEADLINE_MINUTES = {**settings.CONSULT_DEADLINE_MINUTES, "urgent": 20}

    response = login(world.nurse_mala, language="en").get(
        _url(world.resident_mala, urgency="urgent")
    )

    html = response.content.decode()
    assert re.search(r'value="urgent"[^>]*checked', html)
    assert len(re.findall(r'type="radio" name="urgency"', html)) == 4
    assert "answer within 20 minutes" in html
    assert "answer within 8 hours" in html
    assert "answer within 7 days" in html


def test_an_unknown_urgency_in_the_link_chooses_nothing(world, login):
    response = login(world.nurse_mala, language="en").get(
        _url(world.resident_mala, urgency="whenever")
    )
    assert "checked" not in response.content.decode()


def test_the_form_shows_the_identity_and_who_will_receive_the_consult(world, login):
    response = login(world.nurse_mala, language="en").get(_url(world.resident_mala))

    html = response.content.decode()
    assert world.resident_mala.display_identity_number in html
    assert "Anna Nurse" in html  # the sender
    assert "Carmen Doctor" in html
    assert "named physician" in html


def test_one_read_entry_is_logged_for_the_form(world, login):
    client = login(world.nurse_mala, language="en")
    before = AuditEvent.objects.count()
    client.get(_url(world.resident_mala))
    new = AuditEvent.objects.order_by("seq")[before:]
    assert [(e.action, e.resident_id) for e in new] == [("read", world.resident_mala.pk)]


def test_an_empty_sbar_section_is_refused_nothing_is_saved_and_the_text_stays(
    world, login, settings
):
    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala),
        _form_values(recommendation="   ", photos=[png_upload()]),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Say what you ask the physician for, and by when." in html
    assert "Greta andas snabbare och är varm sedan i morse." in html
    assert "Hjärtsvikt, Furosemid." in html
    assert 'value="070-174 06 05"' in html
    assert "choose the photos again" in html
    assert 'aria-describedby="id_recommendation_helptext id_recommendation_error"' in html
    assert not Consult.objects.exists()
    assert not ConsultPhoto.objects.exists()
    assert _files_on_disk(settings) == []


def test_a_bad_urgency_is_refused(world, login):
    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _form_values(urgency="tomorrow")
    )

    assert response.status_code == 400
    assert "Choose how urgent the consult is." in response.content.decode()
    assert not Consult.objects.exists()


def test_a_fake_photo_is_refused_by_name_and_nothing_is_saved(world, login, settings):
    fake = SimpleUploadedFile("rash.jpg", b"this is only text", content_type="image/jpeg")

    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _form_values(photos=[png_upload("ok.png"), fake])
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "rash.jpg: The file is not a photo that can be read" in html
    assert "Choose the photo again." in html
    assert "ok.png" not in html  # the good photo is not blamed
    assert "Greta andas snabbare och är varm sedan i morse." in html
    assert not Consult.objects.exists()
    assert not ConsultPhoto.objects.exists()
    assert _files_on_disk(settings) == []


def test_an_oversized_photo_is_refused_with_the_limit(world, login, settings):
    big = SimpleUploadedFile("huge.png", png_bytes() + b"0" * (6 * 1024 * 1024))

    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _form_values(photos=[big])
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "huge.png: The file is too large" in html
    assert "The limit is 5.0 MB." in html
    assert not Consult.objects.exists()
    assert _files_on_disk(settings) == []


def test_a_file_of_another_type_is_refused(world, login):
    gif = SimpleUploadedFile("wound.gif", b"GIF89a" + b"\0" * 20, content_type="image/gif")

    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _form_values(photos=[gif])
    )

    assert response.status_code == 400
    assert "wound.gif: Only photos of these types can be sent" in response.content.decode()
    assert not Consult.objects.exists()


def test_a_png_renamed_to_another_image_type_is_still_an_image(world, login):
    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala),
        _form_values(photos=[SimpleUploadedFile("photo.jpg", png_bytes())]),
    )
    assert response.status_code == 302


@time_machine.travel(NOW, tick=False)
def test_a_consult_goes_to_the_named_physician_and_its_page_shows_the_deadline(
    world, login, settings
):
    observation = record_vitals(world)
    client = login(world.nurse_mala, language="en")

    response = client.post(
        _url(world.resident_mala),
        _form_values(observation=observation.pk, photos=[png_upload("a.png"), png_upload("b.png")]),
    )

    consult = Consult.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("consults:detail", args=[consult.pk])
    assert consult.assigned_to == world.physician_spain.staff_profile
    assert consult.observation == observation
    assert consult.caller_phone == "+46701740605"
    assert consult.deadline_at == NOW + datetime.timedelta(minutes=30)
    assert consult.photos.count() == 2
    assert len(_files_on_disk(settings)) == 2
    page = client.get(response.url).content.decode()
    assert "2026-03-02 10:30" in page  # Stockholm time
    assert "your time" not in page  # nurses see Stockholm time only
    assert 'data-live-socket="/ws/consults/' in page


@time_machine.travel(NOW, tick=False)
def test_a_physician_abroad_sees_the_deadline_in_their_own_time_too(world, login):
    profile = world.physician_spain.staff_profile
    profile.time_zone = "Atlantic/Canary"
    profile.save()
    client = login(world.nurse_mala, language="en")
    client.post(_url(world.resident_mala), _form_values())
    consult = Consult.objects.get()

    page = login(world.physician_spain, language="en").get(
        reverse("consults:detail", args=[consult.pk])
    )

    html = page.content.decode()
    assert "2026-03-02 10:30" in html  # Stockholm
    assert "2026-03-02 09:30" in html  # Canary Islands, one hour behind
    assert "Atlantic/Canary" in html


def test_a_physician_of_the_resident_may_send_a_consult(world, login):
    response = login(world.physician_spain, language="en").post(
        _url(world.resident_mala), _form_values()
    )
    assert response.status_code == 302
    assert Consult.objects.get().created_by == world.physician_spain


def test_a_coordinator_cannot_send_a_consult(world, login):
    response = login(world.coordinator, language="en").post(
        _url(world.resident_mala), _form_values()
    )
    assert response.status_code == 403
    assert not Consult.objects.exists()


def test_a_nurse_of_another_unit_cannot_send_a_consult(world, login):
    response = login(world.nurse_storuman, language="en").post(
        _url(world.resident_mala), _form_values()
    )
    assert response.status_code == 404
    assert not Consult.objects.exists()


def test_vital_signs_of_another_resident_cannot_be_attached(world, login):
    other = record_vitals(world, resident=world.resident_mala_2)

    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _form_values(observation=other.pk)
    )

    assert response.status_code == 400
    assert not Consult.objects.exists()


def test_the_prefilled_text_is_in_the_record_language_whatever_the_ui_language(world, login):
    Diagnosis.objects.create(resident=world.resident_mala, icd10_code="I50.9", text="Hjärtsvikt")
    record_vitals(world)
    texts = {}
    for language in ("sv", "es", "en"):
        html = login(world.nurse_mala, language=language).get(_url(world.resident_mala))
        html = html.content.decode()
        texts[language] = (_textarea(html, "background"), _textarea(html, "assessment"))
    assert texts["es"] == texts["sv"] == texts["en"]
