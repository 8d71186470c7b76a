"""Date and time formats of the site's languages (FORMAT_MODULE_PATH): a news site's dates,
"7 марта 2023, 05:33" and "March 7, 2023, 05:33", in the site's time zone (TIME_ZONE)."""
