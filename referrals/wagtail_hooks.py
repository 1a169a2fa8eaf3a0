"""The only part of the referral module in the Wagtail admin: who belongs to the network, in which role.

Family cases, consents and referrals are never registered here: they live in the workspace, behind policy.py.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Membership


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
