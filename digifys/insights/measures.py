"""The names of the insights' daily measures (one `DailyFact` row per unit × day × measure).

Kept apart from `facts.py`, which computes them, so that `rollups.py` (which `facts.refresh_facts`
calls) can name them without importing `facts`.
"""

import datetime

CONTACTS = "contacts"
NAMED_CONTACTS = "named_contacts"
LOCUM_CONTACTS = "locum_contacts"
CONTACTS_BY_CHANNEL = "contacts_by_channel"
CONTACTS_BY_COUNTRY = "contacts_by_country"
PHYSICIAN_HOURS = "physician_hours"
HOURS_BY_COUNTRY = "hours_by_country"
CONSULT_RESPONSE = "consult_response"
ESCALATIONS = "escalations"
RELATIVE_MESSAGES = "relative_messages"
NEWS2_EVENTS = "news2_events"
TASKS_ON_TIME = "tasks_on_time"
MEDICATION_REVIEWS_ON_TIME = "medication_reviews_on_time"
TRANSFERS = "transfers"
TRANSFERS_CONSULT_FIRST = "transfers_consult_first"
TRANSFERS_AVOIDABLE = "transfers_avoidable"
RESIDENT_DAYS = "resident_days"

MEASURES = (
    CONTACTS,
    NAMED_CONTACTS,
    LOCUM_CONTACTS,
    CONTACTS_BY_CHANNEL,
    CONTACTS_BY_COUNTRY,
    PHYSICIAN_HOURS,
    HOURS_BY_COUNTRY,
    CONSULT_RESPONSE,
    ESCALATIONS,
    RELATIVE_MESSAGES,
    NEWS2_EVENTS,
    TASKS_ON_TIME,
    MEDICATION_REVIEWS_ON_TIME,
    TRANSFERS,
    TRANSFERS_CONSULT_FIRST,
    TRANSFERS_AVOIDABLE,
    RESIDENT_DAYS,
)

ONE_DAY = datetime.timedelta(days=1)
