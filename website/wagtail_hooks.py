"""Admin registrations of the website app."""

from wagtail.snippets.models import register_snippet

from .kiosk.admin import KioskGroup

register_snippet(KioskGroup)
