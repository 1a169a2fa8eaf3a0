"""Workspace URLs of the document pages (included by referrals/urls.py, same namespace)."""

urlpatterns = []
