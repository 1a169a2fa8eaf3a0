"""The referral module in the Wagtail admin: who belongs to the network, in which role, and the region profile.

Family cases, consents and referrals are never registered here: they live in the workspace, behind policy.py.
"""

from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import lockout_admin, profile_admin
from .models import Membership, ProgrammeTemplate, RegionProfile
from .profiles import REPORTING_PERIODS

PERIOD_CHOICES = list(REPORTING_PERIODS.items())


class MembershipViewSet(SnippetViewSet):
    model = Membership
    icon = "group"
    menu_label = _("Сеть сопровождения: сотрудники")
    menu_name = "network-memberships"
    add_to_admin_menu = True
    menu_order = 900
    list_display = ["user", "organization", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__last_name", "organization__name"]
    panels = [FieldPanel("user"), FieldPanel("organization"), FieldPanel("role"), FieldPanel("is_active")]


register_snippet(MembershipViewSet)


# -- Region profiles: the procedure's rules as data, edited by the network's administrator ---------------------


class RegionProfileViewSet(SnippetViewSet):
    model = RegionProfile
    icon = "doc-full"
    menu_label = _("Профили регионов")
    menu_name = "region-profiles"
    add_to_admin_menu = True
    menu_order = 910
    list_display = ["name", "region", "valid_from", "export_link"]
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("region"), FieldPanel("document"), FieldPanel("valid_from")],
            heading=_("Регион и документ"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("decision_working_days"),
                FieldPanel("programme_after_contract_working_days"),
                FieldPanel("partner_response_working_days"),
                FieldPanel("urgent_response_working_days"),
                FieldPanel("guardianship_copy_working_days"),
                FieldPanel("interim_review_months"),
                FieldPanel("support_extension_months"),
                FieldPanel("post_support_months"),
                FieldPanel("caseload_rule"),
                FieldPanel("reporting_periods", widget=forms.CheckboxSelectMultiple(choices=PERIOD_CHOICES)),
            ],
            heading=_("Сроки и нагрузка"),
        ),
        InlinePanel("levels", heading=_("Уровни сопровождения"), label=_("уровень")),
        InlinePanel("codes", heading=_("Перечни (категории, обстоятельства, основания, причины)"), label=_("пункт")),
    ]


class ProgrammeTemplateViewSet(SnippetViewSet):
    model = ProgrammeTemplate
    icon = "list-ul"
    menu_label = _("Шаблоны ИПСС (алгоритмы)")
    menu_name = "programme-templates"
    add_to_admin_menu = True
    menu_order = 911
    list_display = ["title", "family_category", "profile"]
    list_filter = ["profile"]
    panels = [
        FieldPanel("profile"),
        FieldPanel("family_category"),
        FieldPanel("title"),
        InlinePanel("measures", heading=_("Мероприятия"), label=_("мероприятие")),
    ]


register_snippet(RegionProfileViewSet)
register_snippet(ProgrammeTemplateViewSet)


@hooks.register("register_admin_urls")
def region_profile_urls():
    return [
        path("region-profiles/import/", profile_admin.import_view, name="region_profile_import"),
        path("region-profiles/<int:pk>/export/", profile_admin.export_view, name="region_profile_export"),
    ]


# -- Sign-in lockouts of the workspace: superusers unlock accounts and addresses (referrals/lockout.py) ---------


@hooks.register("register_admin_urls")
def lockout_urls():
    return [path("cabinet-lockouts/", lockout_admin.lockouts_view, name="referrals_lockouts")]


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def lockout_menu_item():
    return SuperuserMenuItem(
        _("Блокировки входа в кабинет"), reverse("referrals_lockouts"), icon_name="lock", order=900
    )
