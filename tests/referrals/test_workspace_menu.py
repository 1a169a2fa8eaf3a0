"""The workspace menu offers only what the user may open: every link it shows answers 200 for that user, and
the pages it hides answer 403 (issue 21, point 8: menus by policy)."""

import re

import pytest
from django.urls import reverse

from .conftest import cabinet_login

MENU = {
    "referrals:case_list": "Семьи",
    "referrals:consilium_list": "Консилиум",
    "referrals:inbox": "Входящие направления",
    "referrals:help_requests": "Обращения с сайта",
    "referrals:figures": "Показатели",
    "referrals:register_primary": "Журналы учёта",
    "referrals:access_log": "Журнал доступа",
    "referrals:access_log_network": "Журнал сети",
}


def menu_links(html: str) -> set[str]:
    nav = html[html.index('<nav aria-label="Меню кабинета">') : html.index("</nav>")]
    return set(re.findall(r'href="([^"]+)"', nav))


@pytest.mark.parametrize("role", ["curator", "head", "intake", "specialist", "coordinator", "admin", "auditor"])
def test_menu_shows_exactly_the_pages_the_user_may_open(client, network, role):
    cabinet_login(client, network.users[role])
    shown = menu_links(client.get(reverse("referrals:home")).content.decode())
    for name, label in MENU.items():
        url = reverse(name)
        status = client.get(url).status_code
        if url in shown:
            assert status == 200, f"{role}: «{label}» is in the menu but answers {status}"
        else:
            assert status == 403, f"{role}: «{label}» is hidden but answers {status}"
