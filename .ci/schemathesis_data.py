"""Run by .ci/schemathesis.sh through `manage.py shell`: the rows and logins the fuzzed API acts on.

On top of generate_data, train_models and run_nightly: a third of the proposals approved and sent (so there are
codes, offers and support calls), the demo customer logged in as one whose offer was sent, and API tokens for the
superuser and that customer. Writes the schemathesis configuration with those ids as dictionaries, so generated
requests reach real rows as well as missing ones.
"""

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from customers.models import Customer
from interventions.models import Intervention, InterventionStatus, SupportCall
from interventions.services.queue import intervention_approve, intervention_send
from payments.models import DiscountCode

User = get_user_model()
admin = User.objects.get(username="admin")
proposals = list(Intervention.objects.filter(status=InterventionStatus.PROPOSED).order_by("pk"))
for intervention in proposals[::3]:  # sent at once, whatever Celery's mode: sending is safe to repeat
    intervention_approve(intervention_id=intervention.pk, user=admin)
    intervention_send(intervention_id=intervention.pk)

offered = DiscountCode.objects.filter(customer__isnull=False, is_active=True).order_by("pk").first()
if offered is None:
    raise SystemExit("no discount code was sent: the fuzzed customer would have no offers")
customer = offered.customer
login = User.objects.get(username="customer")
Customer.objects.filter(user=login).update(user=None)
Customer.objects.filter(pk=customer.pk).update(user=login)

values = {
    "customer_ids": [
        customer.external_id,
        *Customer.objects.exclude(pk=customer.pk).order_by("pk").values_list("external_id", flat=True)[:3],
    ],
    "intervention_ids": list(Intervention.objects.order_by("pk").values_list("pk", flat=True)[:20]),
    "call_ids": list(SupportCall.objects.order_by("pk").values_list("pk", flat=True)[:10]),
    "codes": list(DiscountCode.objects.filter(customer=customer).values_list("code", flat=True)),
}
tokens = {
    "staff": Token.objects.get_or_create(user=admin)[0].key,
    "customer": Token.objects.get_or_create(user=login)[0].key,
}

# The ids as dictionaries schemathesis draws from (JSON arrays of strings and integers are TOML arrays too).
CONFIG = f"""
cache = {{ enabled = false }}  # each run starts afresh: no replay of what an earlier run on this machine found

[dictionaries]
customer_ids = {{ values = {json.dumps(values["customer_ids"])} }}
intervention_ids = {{ values = {json.dumps(values["intervention_ids"])} }}
call_ids = {{ values = {json.dumps(values["call_ids"] or [1])} }}
codes = {{ values = {json.dumps(values["codes"])} }}

[parameters]
"path.customer_id" = {{ dictionary = "customer_ids", probability = 0.8 }}
"body.customer_id" = {{ dictionary = "customer_ids", probability = 0.8 }}
"query.customer" = {{ dictionary = "customer_ids", probability = 0.5 }}
"path.call_id" = {{ dictionary = "call_ids", probability = 0.8 }}
"body.intervention_id" = {{ dictionary = "intervention_ids", probability = 0.8 }}
"body.intervention_ids[*]" = {{ dictionary = "intervention_ids", probability = 0.8 }}
"body.code" = {{ dictionary = "codes", probability = 0.8 }}
"""
work = Path(os.environ["SCHEMATHESIS_WORK"])
(work / "schemathesis.toml").write_text(CONFIG)
(work / "tokens.json").write_text(json.dumps(tokens))
print(
    f"fuzzing data: {len(values['intervention_ids'])} interventions, {len(values['call_ids'])} calls, "
    f"customer {customer.external_id} with {len(values['codes'])} codes"
)
