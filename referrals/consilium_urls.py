"""Workspace URLs of the consilium pages (included by referrals/urls.py, same namespace)."""

from django.urls import path

from . import consilium_views as views

urlpatterns = [
    path("consilium/", views.meeting_list, name="consilium_list"),
    path("consilium/new/", views.meeting_new, name="consilium_new"),
    path("consilium/<int:meeting_id>/", views.meeting_detail, name="consilium_meeting"),
    path("consilium/<int:meeting_id>/participants/", views.participant_add, name="consilium_participant_add"),
    path("consilium/<int:meeting_id>/agenda/", views.agenda_add, name="consilium_agenda_add"),
    path("consilium/<int:meeting_id>/protocol.pdf", views.protocol_pdf, name="consilium_protocol"),
    path("consilium/agenda/<int:item_id>/decide/", views.agenda_decide, name="consilium_decide"),
]
