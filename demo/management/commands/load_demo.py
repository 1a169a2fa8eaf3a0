"""`manage.py load_demo`: the demo databank of the Republic of Tyva and the demo pages of the site."""

from django.core.management.base import BaseCommand

from demo.databank import load_demo_databank
from demo.pages import load_demo_pages

COUNT_LABELS = {
    "municipalities": "муниципальных образований",
    "settlements": "населённых пунктов",
    "organizations": "организаций",
    "provider_types": "типов организаций",
    "network_partners": "партнёров сети сопровождения",
    "locations": "адресов",
    "confidential_locations": "конфиденциальных адресов",
    "services": "услуг",
    "published_services": "опубликованных услуг",
    "hotlines": "телефонов доверия и горячих линий",
    "services_accepting_referrals": "услуг, принимающих направления",
    "service_at_locations": "услуг по адресам",
    "phones": "телефонов",
    "schedules": "интервалов расписания",
    "schedule_exceptions": "особых дней",
}


class Command(BaseCommand):
    help = "Загружает (или обновляет) демонстрационный банк данных Республики Тыва. Можно запускать повторно."

    def handle(self, *args, **options):
        self.stdout.write("Загрузка демонстрационного банка данных…")
        counts = load_demo_databank(stdout=self.stdout)
        for key, value in counts.items():
            self.stdout.write(f"  {COUNT_LABELS.get(key, key)}: {value}")

        load_demo_pages()
        self.stdout.write("Демонстрационные страницы сайта загружены.")
        self.stdout.write(self.style.SUCCESS("Готово."))
