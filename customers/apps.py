from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers & marketplace"

    def ready(self) -> None:
        from accounts.services import language_store_register
        from customers.services.language import customer_language_store

        language_store_register(customer_language_store)
