from django.apps import AppConfig


class ModelRegistryConfig(AppConfig):
    name = "model_registry"
    verbose_name = "Model registry"
