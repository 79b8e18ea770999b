from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "complaints_portal.common"
    label = "common"
    verbose_name = "Common"
