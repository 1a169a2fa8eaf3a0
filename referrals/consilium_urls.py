"""Workspace URLs of the consilium pages (included by referrals/urls.py, same namespace)."""

urlpatterns = []
