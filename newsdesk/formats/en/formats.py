"""English: "March 7, 2023", "March 7, 2023, 05:33" (24-hour clock, as news wires write)."""

DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, H:i"
MONTH_DAY_FORMAT = "F j"
TIME_FORMAT = "H:i"
