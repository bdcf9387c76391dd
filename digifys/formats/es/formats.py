"""Spanish date formats on top of Django's: month abbreviations in lower case ("vie 4 dic"),
as the RAE writes them (Django's "M" would capitalise them). Same names as the sv module."""

DAY_MONTH_FORMAT = "j b"
DAY_MONTH_YEAR_FORMAT = "j b Y"
DAY_MONTH_TIME_FORMAT = "j b H:i"
WEEKDAY_TIME_FORMAT = "D j b H:i"
WEEKDAY_YEAR_TIME_FORMAT = "D j b Y H:i"
