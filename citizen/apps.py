from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "citizen"
    verbose_name = "Citizen app"
