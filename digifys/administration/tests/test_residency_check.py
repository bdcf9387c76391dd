"""`check --deploy` warns about storages and relays outside the allowed countries (issue #17 §6)."""

from django.core.checks import run_checks

from digifys.administration.checks import check_data_residency

PARTS = ("database", "files", "backups", "redis", "turn", "sfu", "sms", "email")
ALL_IN_SWEDEN = dict.fromkeys(PARTS, "SE")


def test_it_is_silent_when_every_configured_part_is_in_an_allowed_country(settings):
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"backups": "DE"}
    settings.REDIS_URL = "redis://cache.region.se:6379/0"
    settings.VIDEO_TURN_URLS = ["turns:turn.region.se:5349"]
    settings.JANUS_URL = "http://127.0.0.1:8088/janus"
    assert check_data_residency() == []


def test_it_warns_about_a_turn_relay_outside_the_eu(settings):
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"turn": "US"}
    settings.VIDEO_TURN_URLS = ["turns:turn.example.com:5349"]
    [warning] = check_data_residency()
    assert warning.id == "administration.W001"
    assert warning.msg.startswith("The TURN relay is located in US, outside the allowed countries")
    assert "DATA_LOCATION_TURN" in warning.hint


def test_it_warns_about_backups_and_an_sfu_outside_the_allowed_list(settings):
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"backups": "NO", "sfu": "GB"}
    settings.JANUS_PUBLIC_URL = "wss://video.example.co.uk/janus"
    warnings = check_data_residency()
    assert [w.id for w in warnings] == ["administration.W001", "administration.W001"]
    assert "backups (manage.py backup) is located in NO" in warnings[0].msg
    assert "SFU (Janus) is located in GB" in warnings[1].msg


def test_the_region_may_widen_the_list(settings):
    settings.DATA_RESIDENCY_ALLOWED = ["SE", "NO"]
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"backups": "NO"}
    assert check_data_residency() == []


def test_an_undeclared_location_is_a_warning_too(settings):
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"database": ""}
    [warning] = check_data_residency()
    assert warning.id == "administration.W002"
    assert "DATA_LOCATION_DATABASE" in warning.hint


def test_parts_that_are_not_configured_are_not_checked(settings):
    settings.DATA_LOCATIONS = {"database": "SE", "files": "SE", "backups": "SE"}
    settings.REDIS_URL = None
    settings.VIDEO_TURN_URLS = []
    settings.JANUS_URL = settings.JANUS_PUBLIC_URL = ""
    settings.NOTIFICATION_SMS_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert check_data_residency() == []


def test_it_runs_with_check_deploy_only(settings):
    settings.DATA_LOCATIONS = ALL_IN_SWEDEN | {"files": "CN"}
    assert "administration.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    assert "administration.W001" not in [m.id for m in run_checks()]
