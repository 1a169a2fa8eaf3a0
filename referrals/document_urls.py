"""Workspace URLs of the document pages (included by referrals/urls.py, same namespace)."""

from django.urls import path

from . import document_views, programme_views

urlpatterns = [
    path("measures/<int:measure_id>/edit/", programme_views.measure_edit, name="measure_edit"),
    path("measures/<int:measure_id>/delete/", programme_views.measure_delete, name="measure_delete"),
    path("measures/<int:measure_id>/mark/", programme_views.measure_mark, name="measure_mark"),
    path("programmes/<int:programme_id>/print/", document_views.programme_print, name="programme_print"),
    path("cases/<uuid:case_uuid>/programme/print/", document_views.case_programme_print, name="case_programme_print"),
    path("cases/<uuid:case_uuid>/inspections/new/", document_views.inspection_new, name="inspection_new"),
    path("inspections/<int:inspection_id>/", document_views.inspection_detail, name="inspection"),
    path("inspections/<int:inspection_id>/print/", document_views.inspection_print, name="inspection_print"),
    path("registers/primary/", document_views.register_primary, name="register_primary"),
    path("registers/departmental/", document_views.register_departmental, name="register_departmental"),
]
