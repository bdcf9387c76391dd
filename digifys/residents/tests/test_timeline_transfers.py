"""Hospital transfers on the resident's timeline (issue #16): recorded and judged through the
insights services, shown in the reader's language from the stored codes, read like the rest."""

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from digifys.insights import services as insights
from digifys.insights.models import HospitalTransfer

HOUR = datetime.timedelta(hours=1)


def hub_page(client, resident, **query) -> str:
    response = client.get(reverse("residents:detail", args=[resident.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def timeline_section(html: str) -> str:
    start = html.index('data-section="timeline"')
    return html[start : html.index("</section>", start)]


def transfer_items(html: str) -> list[str]:
    return re.findall(r'<li data-kind="transfer">(.*?)</li>', timeline_section(html), re.S)


def record(world, resident, *, hours_ago: int, kind: str, consult_first: bool):
    return insights.record_transfer(
        actor=world.nurse_mala,
        resident=resident,
        occurred_at=timezone.now() - hours_ago * HOUR,
        kind=kind,
        destination="Lycksele lasarett",
        reason="Fall i rummet, smärta i höften.",
        consult_first=consult_first,
    )


def test_transfers_are_on_the_timeline_in_the_readers_language(world, login):
    greta = world.resident_mala
    admission = record(world, greta, hours_ago=30, kind="admission", consult_first=True)
    record(world, greta, hours_ago=5, kind="emergency", consult_first=False)
    insights.judge_transfer(actor=world.physician_spain, transfer=admission, avoidable=True)

    html = hub_page(login(world.physician_spain, language="en"), greta)
    newest, oldest = transfer_items(html)
    assert "Emergency department visit" in newest and "no digital consult first" in newest
    assert "judged" not in newest  # not judged yet
    assert "Hospital admission" in oldest and "a digital consult came first" in oldest
    assert "judged avoidable" in oldest
    assert "Lycksele lasarett" in oldest and "Fall i rummet" in oldest
    assert reverse("insights:transfers", args=[greta.pk]) in oldest
    # The filter shows transfers only.
    only = timeline_section(
        hub_page(login(world.physician_spain, language="en"), greta, kind="transfers")
    )
    assert set(re.findall(r'<li data-kind="(\w+)">', only)) == {"transfer"}
    assert '<option value="transfers" selected>' in only

    swedish = transfer_items(hub_page(login(world.nurse_mala, language="sv"), greta))
    assert "Besök på akutmottagning" in swedish[0]
    assert "ingen digital konsultation först" in swedish[0]
    assert "bedömd som undvikbar" in swedish[1]


def test_transfers_follow_the_timelines_access_rules(world, login):
    greta = world.resident_mala
    record(world, greta, hours_ago=3, kind="admission", consult_first=True)
    assert HospitalTransfer.objects.filter(resident=greta).count() == 1
    # The coordinator's resident page shows organisation data only: no clinical records.
    coordinator = hub_page(login(world.coordinator, language="en"), greta)
    assert transfer_items(coordinator) == []
    # A physician of the resident sees it.
    assert len(transfer_items(hub_page(login(world.physician_spain, language="en"), greta))) == 1
