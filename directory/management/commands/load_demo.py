"""`manage.py load_demo`: the demo databank of the Republic of Tyva and, if available, the demo pages."""

from django.core.management.base import BaseCommand

from directory.demo.databank import load_demo_databank

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

        try:
            from website.demo import load_demo_pages
        except ImportError:
            self.stdout.write("Демонстрационные страницы сайта не загружены: модуль website.demo недоступен.")
        else:
            result = load_demo_pages()
            if isinstance(result, dict):
                self.stdout.write("Демонстрационные страницы сайта:")
                for key, value in result.items():
                    self.stdout.write(f"  {key}: {value}")
            else:
                self.stdout.write("Демонстрационные страницы сайта загружены.")
        self.stdout.write(self.style.SUCCESS("Готово."))
