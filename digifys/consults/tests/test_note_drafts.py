"""Unsigned journal drafts keep their history, and `amends` follows the latest save
(issue #19 item 14). A draft was once overwritten in place, and a draft that had amended a signed
note kept pointing at it after a later save that amended nothing.
"""

import pytest

from digifys.consults import services
from digifys.consults.models import JournalNote, JournalNoteRevision

from .builders import record_vitals, send


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def consult(world):
    return send(world, observation=record_vitals(world))


def _save(world, consult, bedomning, **extra):
    return services.save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="Andas snabbare.",
        status="Opåverkad.",
        bedomning=bedomning,
        atgard="Ny NEWS2 om 1 timme.",
        **extra,
    )


def test_every_save_of_a_draft_is_kept(world, consult):
    first = _save(world, consult, "Misstänkt pneumoni.")
    second = _save(world, consult, "Trolig hjärtsvikt.")
    assert first.pk == second.pk  # still one draft per consult and author
    revisions = list(JournalNoteRevision.objects.filter(note=second).order_by("saved_at", "pk"))
    assert [r.bedomning for r in revisions] == ["Misstänkt pneumoni.", "Trolig hjärtsvikt."]
    assert all(r.saved_by == world.physician_spain.staff_profile for r in revisions)
    assert JournalNote.objects.get().bedomning == "Trolig hjärtsvikt."


def test_amends_is_cleared_by_a_later_save_that_amends_nothing(world, consult):
    signed = _save(world, consult, "Pneumoni.")
    services.sign_note(actor=world.physician_spain, note=signed)
    draft = _save(world, consult, "Pneumoni, tillägg: CRP 80.", amends=signed)
    assert draft.amends == signed
    draft = _save(world, consult, "Ny anteckning, inget tillägg.")
    draft.refresh_from_db()
    assert draft.amends is None
    revisions = list(JournalNoteRevision.objects.filter(note=draft).order_by("saved_at", "pk"))
    assert [r.amends_id for r in revisions] == [signed.pk, None]
