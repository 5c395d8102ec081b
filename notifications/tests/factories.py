"""factory_boy factory for the notification log."""

import factory
from django.utils import timezone

from customers.models import Channel, Language
from customers.tests.factories import CustomerFactory
from interventions.tests.factories import InterventionFactory
from notifications.models import Notification, NotificationStatus


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    customer = factory.SubFactory(CustomerFactory)
    intervention = factory.SubFactory(InterventionFactory, customer=factory.SelfAttribute("..customer"))
    channel = Channel.SMS
    language = Language.BENGALI
    recipient = factory.SelfAttribute("customer.phone")
    body = "আমরা আপনাকে মিস করছি! পরবর্তী এসি সার্ভিসিংয়ে ২০০ টাকা ছাড়।"
    status = NotificationStatus.SENT
    attempts = 1
    gateway_message_id = factory.Sequence(lambda n: f"SMS-{n:08d}")
    sent_at = factory.LazyFunction(timezone.now)
