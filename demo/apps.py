from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and synthetic data generators (`make run`, tests, benchmarks); no models."""

    name = "demo"
    label = "demo"
    verbose_name = "Demo data"
