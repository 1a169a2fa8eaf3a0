from django.urls import include, path

from . import consilium_urls, document_urls, views

app_name = "referrals"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<uuid:case_uuid>/", views.case_detail, name="case"),
    path("cases/<uuid:case_uuid>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:case_uuid>/close/", views.case_close, name="case_close"),
    path("cases/<uuid:case_uuid>/reassign/", views.case_reassign, name="case_reassign"),
    path("cases/<uuid:case_uuid>/stage/<slug:step>/", views.case_stage, name="case_stage"),
    path("cases/<uuid:case_uuid>/post-support/new/", views.post_support_note_new, name="post_support_note_new"),
    path("cases/<uuid:case_uuid>/members/new/", views.member_new, name="member_new"),
    path("cases/<uuid:case_uuid>/consents/new/", views.consent_new, name="consent_new"),
    path("cases/<uuid:case_uuid>/programmes/new/", views.programme_new, name="programme_new"),
    path("cases/<uuid:case_uuid>/referrals/new/", views.referral_new, name="referral_new"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("consents/<int:consent_id>/document/", views.consent_document, name="consent_document"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme"),
    path("programmes/<int:programme_id>/decide/", views.programme_decide, name="programme_decide"),
    path("referrals/<uuid:referral_uuid>/", views.referral_detail, name="referral"),
    path("referrals/<uuid:referral_uuid>/print/", views.referral_print, name="referral_print"),
    path("referrals/<uuid:referral_uuid>/act/<slug:action>/", views.referral_act, name="referral_act"),
    path("referrals/<uuid:referral_uuid>/assign/", views.referral_assign, name="referral_assign"),
    path("referrals/<uuid:referral_uuid>/messages/", views.referral_message, name="referral_message"),
    path("referrals/<uuid:referral_uuid>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("referrals/<uuid:referral_uuid>/attachments/", views.referral_attachment, name="referral_attachment"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("inbox/", views.inbox, name="inbox"),
    path("requests/", views.help_requests, name="help_requests"),
    path("notifications/", views.notifications_view, name="notifications"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/network/", views.access_log_network, name="access_log_network"),
    path("figures/", views.figures, name="figures"),
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
