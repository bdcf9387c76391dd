"""English date formats on top of Django's: capitalised month abbreviations ("Fri 4 Dec").
Same names as the sv module."""

DAY_MONTH_FORMAT = "j M"
DAY_MONTH_YEAR_FORMAT = "j M Y"
DAY_MONTH_TIME_FORMAT = "j M H:i"
WEEKDAY_TIME_FORMAT = "D j M H:i"
WEEKDAY_YEAR_TIME_FORMAT = "D j M Y H:i"
