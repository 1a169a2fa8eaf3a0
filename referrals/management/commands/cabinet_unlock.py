"""Unlock a workspace account or address locked after failed sign-ins (referrals/lockout.py); every unlock is a
SecurityEvent. Without arguments: lists the current lockouts."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from referrals import lockout


class Command(BaseCommand):
    help = (
        "Снять блокировку входа в кабинет с учётной записи (имя пользователя) и/или адреса (--address); "
        "без аргументов — показать действующие блокировки. Каждое снятие записывается в журнал событий безопасности."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="имя пользователя")
        parser.add_argument("--address", default="", help="IP-адрес")
        parser.add_argument("--by", default="", help="имя администратора, который снимает блокировку (для журнала)")
        parser.add_argument(
            "--sweep", action="store_true", help="записать в журнал блокировки, срок которых истёк, и выйти"
        )

    def handle(self, *args, username, address, by, sweep, **options):
        if sweep:
            count = lockout.record_expired_lockouts()
            self.stdout.write(f"Записано снятий по истечении времени: {count}")
            return
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"Пользователь {by} не найден.")
        if not username and not address:
            lockout.record_expired_lockouts()
            current = lockout.current_lockouts()
            if not current:
                self.stdout.write("Блокировок нет.")
            for item in current:
                what = "учётная запись" if item.scope == lockout.ACCOUNT else "адрес"
                self.stdout.write(
                    f"{what} {item.key}: {item.failures} неудачных попыток, с {item.since:%d.%m.%Y %H:%M}"
                )
            return
        cleared = lockout.unlock(username=username, address=address, actor=actor, via="manage.py cabinet_unlock")
        self.stdout.write(f"Блокировка снята, сброшено записей о неудачных попытках: {cleared}")
