from django.urls import include, path

from . import (
    case_views,
    consent_views,
    consilium_urls,
    document_urls,
    programme_views,
    referral_views,
    report_views,
    views,
)

app_name = "referrals"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_new, name="case_new"),
    path("cases/<uuid:case_uuid>/", case_views.case_detail, name="case"),
    path("cases/<uuid:case_uuid>/edit/", case_views.case_edit, name="case_edit"),
    path("cases/<uuid:case_uuid>/close/", case_views.case_close, name="case_close"),
    path("cases/<uuid:case_uuid>/reassign/", case_views.case_reassign, name="case_reassign"),
    path("cases/<uuid:case_uuid>/stage/<slug:step>/", case_views.case_stage, name="case_stage"),
    path("cases/<uuid:case_uuid>/post-support/new/", case_views.post_support_note_new, name="post_support_note_new"),
    path("cases/<uuid:case_uuid>/members/new/", case_views.member_new, name="member_new"),
    path("cases/<uuid:case_uuid>/consents/new/", consent_views.consent_new, name="consent_new"),
    path("cases/<uuid:case_uuid>/programmes/new/", programme_views.programme_new, name="programme_new"),
    path("cases/<uuid:case_uuid>/referrals/new/", referral_views.referral_new, name="referral_new"),
    path("consents/<int:consent_id>/withdraw/", consent_views.consent_withdraw, name="consent_withdraw"),
    path("consents/<int:consent_id>/document/", consent_views.consent_document, name="consent_document"),
    path("programmes/<int:programme_id>/", programme_views.programme_detail, name="programme"),
    path("programmes/<int:programme_id>/decide/", programme_views.programme_decide, name="programme_decide"),
    path("referrals/<uuid:referral_uuid>/", referral_views.referral_detail, name="referral"),
    path("referrals/<uuid:referral_uuid>/print/", referral_views.referral_print, name="referral_print"),
    path("referrals/<uuid:referral_uuid>/act/<slug:action>/", referral_views.referral_act, name="referral_act"),
    path("referrals/<uuid:referral_uuid>/assign/", referral_views.referral_assign, name="referral_assign"),
    path("referrals/<uuid:referral_uuid>/messages/", referral_views.referral_message, name="referral_message"),
    path("referrals/<uuid:referral_uuid>/feedback/", referral_views.referral_feedback, name="referral_feedback"),
    path("referrals/<uuid:referral_uuid>/attachments/", referral_views.referral_attachment, name="referral_attachment"),
    path("attachments/<int:attachment_id>/", referral_views.attachment_download, name="attachment"),
    path("inbox/", referral_views.inbox, name="inbox"),
    path("requests/", case_views.help_requests, name="help_requests"),
    path("notifications/", referral_views.notifications_view, name="notifications"),
    path("access-log/", report_views.access_log, name="access_log"),
    path("access-log/network/", report_views.access_log_network, name="access_log_network"),
    path("figures/", report_views.figures, name="figures"),
    path("", include(consilium_urls)),
    path("", include(document_urls)),
]


def all_patterns(patterns=None):
    """Every named workspace URL pattern, with those of the included modules."""
    found = []
    for pattern in urlpatterns if patterns is None else patterns:
        if hasattr(pattern, "url_patterns"):
            found.extend(all_patterns(pattern.url_patterns))
        else:
            found.append(pattern)
    return found
