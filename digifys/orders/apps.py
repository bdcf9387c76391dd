from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "digifys.orders"
    label = "orders"
