"""Russian: "7 марта 2023", "7 марта 2023, 05:33" (the month in the genitive: "E")."""

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
MONTH_DAY_FORMAT = "j E"
TIME_FORMAT = "H:i"
