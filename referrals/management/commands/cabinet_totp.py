"""Give a workspace user their second factor: prints the secret and the otpauth:// URI for the authenticator app."""

import base64

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Создать (или заменить) TOTP-устройство пользователя кабинета и показать секрет для приложения."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Пользователь {username} не найден.") from exc
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name="Приложение-аутентификатор", confirmed=True)

        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(f"Секрет: {secret}")
        self.stdout.write(f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:{username}?secret={secret}&digits=6&period=30")
