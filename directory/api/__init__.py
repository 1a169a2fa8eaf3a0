"""The public read-only API (django-ninja) under /api/v1/, shaped after the HSDS 3.1 API specification."""

from .routes import api, unknown_address, versions

__all__ = ["api", "unknown_address", "versions"]
