"""Database backends: Django's, with the bounds of website/db_timeouts.py that settings alone cannot give."""
