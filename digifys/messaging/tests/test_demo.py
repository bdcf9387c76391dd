"""The demo region's updates and conversation (messaging.demo)."""

import datetime

import pytest
import time_machine

from digifys.accounts.models import User
from digifys.messaging import selectors
from digifys.messaging.models import Message, Update
from digifys.residents.models import Relative
from digifys.synth.care_history import MESSAGES
from digifys.synth.region import STOCKHOLM, generate_region

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=STOCKHOLM)


def test_the_demo_relative_has_updates_and_a_conversation_and_the_unit_an_unread_badge():
    with time_machine.travel(NOW, tick=False):
        generate_region(seed=1, scale=40, now=NOW)
        relative = User.objects.get(username="anhorig")
        resident = Relative.objects.get(user=relative).resident
        updates = list(selectors.published_updates(relative, resident))
        assert len(updates) == 2
        assert all(resident.given_name in u.text for u in updates)
        mine = list(selectors.own_messages(relative, resident))
        assert [m.is_answered for m in mine] == [False, True]  # newest first
        assert mine[0].read_at is None and mine[0].deadline_at > NOW
        # The demo's messages, not the history's (synth.care_history).
        recent = Message.objects.exclude(text__in=[text for text, _answer in MESSAGES])
        assert recent.filter(relative__user__isnull=True).count() == 1  # "scoped"
        nurse = User.objects.get(username="sjukskoterska.mala")
        assert list(selectors.inbox(nurse)) == [mine[0]]
        # Small: two updates and three messages in the whole region.
        assert Update.objects.count() == 2 and recent.count() == 3
