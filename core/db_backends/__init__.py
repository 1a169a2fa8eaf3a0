"""Database backends: Django's, with the bounds of core/db_timeouts.py that settings alone cannot give."""
