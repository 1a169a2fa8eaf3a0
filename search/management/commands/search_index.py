"""manage.py search_index rebuild|update|status — the index of the distributed search engine.

`rebuild` also rebuilds the database engine's search table (`search.rows`), whichever engine is in use."""

from django.core.management.base import BaseCommand, CommandError

from search import indexing, rows
from search.engines.distributed import distributed_engine
from search.engines.errors import SearchEngineError


class Command(BaseCommand):
    help = (
        "Поисковый индекс OpenSearch/Elasticsearch: rebuild — построить новый индекс и переключить на него "
        "псевдоним без простоя; update — переиндексировать всё в текущий индекс; status — состояние индекса."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "action",
            choices=["rebuild", "update", "status"],
            help="rebuild — построить заново с переключением; update — обновить текущий индекс; status — состояние.",
        )

    def handle(self, *args, action, **options):
        engine = distributed_engine()
        if action == "rebuild":
            result = rows.rebuild()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Поисковая таблица базы данных перестроена за {result['seconds']} с: "
                    f"строк — {result['rows']}, организаций — {result['organizations']}."
                )
            )
            if engine is None:
                return
        if engine is None:
            raise CommandError(
                "Поиск работает на встроенном движке базы данных (SEARCH_URL не задан или SEARCH_ENGINE=database): "
                "индекс не нужен."
            )
        try:
            getattr(self, f"do_{action}")(engine)
        except SearchEngineError as error:
            raise CommandError(f"Поисковый движок {engine.name} не выполнил команду: {error}") from error

    def do_rebuild(self, engine):
        self.stdout.write(f"Строим новый индекс ({engine.name})…")
        result = indexing.rebuild(engine)
        self.stdout.write(
            self.style.SUCCESS(
                f"Индекс {result['index']} построен: документов — {result['documents']}; "
                f"псевдоним {result['alias']} переключён на него."
            )
        )
        if result["deleted"]:
            self.stdout.write(f"Удалены прежние версии: {', '.join(result['deleted'])}.")

    def do_update(self, engine):
        result = indexing.update_all(engine)
        self.stdout.write(
            self.style.SUCCESS(
                f"Индекс {', '.join(result['indices'])} обновлён: документов — {result['documents']}, "
                f"удалено устаревших — {result['deleted']}."
            )
        )

    def do_status(self, engine):
        info = indexing.status(engine)
        self.stdout.write(f"Движок: {info['engine']}")
        self.stdout.write(f"Псевдоним: {info['alias']}")
        if not info["indices"]:
            self.stdout.write(self.style.WARNING("Индекс не построен: выполните «manage.py search_index rebuild»."))
        else:
            self.stdout.write(f"Индекс: {', '.join(info['indices'])}")
        if len(info["versions"]) > len(info["indices"]):
            self.stdout.write(f"Все версии: {', '.join(info['versions'])}")
        self.stdout.write(f"Документов в индексе: {info['documents']} (в базе опубликовано: {info['expected']})")
        self.stdout.write(f"Состояние кластера: {info['health']}")
        if info["indices"] and info["documents"] != info["expected"]:
            self.stdout.write(
                self.style.WARNING("Индекс расходится с базой: выполните «manage.py search_index update».")
            )
