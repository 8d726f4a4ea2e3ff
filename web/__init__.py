"""The web face of eventsearch: a Flask app factory with a ui and an api blueprint."""
