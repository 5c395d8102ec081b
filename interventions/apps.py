from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"

    def ready(self) -> None:
        # Payments tells whoever listens that a code was redeemed; an intervention's code moves it to redeemed.
        from interventions.services.queue import intervention_code_redeemed
        from payments.services.codes import redemption_listener_register

        redemption_listener_register(intervention_code_redeemed)
