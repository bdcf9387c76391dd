"""Swedish date formats on top of Django's (FORMAT_MODULE_PATH looks here first).

Swedish writes month abbreviations in lower case ("fre 4 dec"); Django's "M" capitalises them,
so the project's named formats use "b". Every name below exists in all three locales' modules:
a name missing from a module would be printed literally.
"""

DAY_MONTH_FORMAT = "j b"  # 4 dec
DAY_MONTH_YEAR_FORMAT = "j b Y"  # 4 dec 2026
DAY_MONTH_TIME_FORMAT = "j b H:i"  # 4 dec 14:05
WEEKDAY_TIME_FORMAT = "D j b H:i"  # fre 4 dec 14:05
WEEKDAY_YEAR_TIME_FORMAT = "D j b Y H:i"  # fre 4 dec 2026 14:05
