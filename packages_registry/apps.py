from django.apps import AppConfig


class PackagesRegistryConfig(AppConfig):
    name = "packages_registry"
    verbose_name = "Package registry"
