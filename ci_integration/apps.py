from django.apps import AppConfig


class CiIntegrationConfig(AppConfig):
    name = "ci_integration"
    verbose_name = "CI integration"
