"""Sources that feed the store: calendars (calendar.py)."""
