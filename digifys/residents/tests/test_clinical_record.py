"""Every clinical record has the two fields the policy filters on, and is fetched through it."""

from django.apps import apps

from digifys.directory.models import Organisation
from digifys.residents.models import ClinicalRecord, ClinicalRecordQuerySet, Resident


def _records():
    return [m for m in apps.get_models() if issubclass(m, ClinicalRecord)]


def test_the_clinical_records_are_those_blocks_apply_to():
    names = {m.__name__ for m in _records()}
    assert {
        "Diagnosis",
        "Medication",
        "TreatmentLimitation",
        "Scale2Decision",
        "Observation",
        "Order",
        "NurseTask",
        "Consult",
        "JournalNote",
        "AgendaItem",
        "MedicationReview",
    } <= names


def test_each_record_names_its_resident_and_recording_unit():
    # careteams.policy.record_filter_for filters on exactly these two fields.
    for model in _records():
        assert model._meta.get_field("resident").related_model is Resident, model
        assert model._meta.get_field("unit").related_model is Organisation, model
        assert isinstance(model.objects.all(), ClinicalRecordQuerySet), model
