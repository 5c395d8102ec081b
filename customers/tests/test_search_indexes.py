"""Customer search on PostgreSQL reads the trigram indexes (customers migration 0003), not the whole table: the
index expressions must match the SQL Django writes for the lookups, or the planner silently never uses them."""

import pytest
from django.db import connection

from customers.filters import CustomerFilter
from customers.models import Customer
from customers.selectors import customer_search
from customers.tests.factories import CustomerFactory, StaffUserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rightly scan them (or walk a whole B-tree for the order); forbid both
        # to see whether an index can serve the search itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ("Rahima", ["customers_customer_name_trgm", "customers_customer_external_id_trgm"]),
        ("1712345", ["customers_customer_phone_trgm"]),
    ],
)
def test_the_portal_search_reads_the_trigram_indexes(query, indexes):
    # given
    CustomerFactory.create_batch(3)

    # when
    plan = plan_of(customer_search(viewer=StaffUserFactory(), query=query))

    # then
    assert "Seq Scan on customers_customer" not in plan
    for index in indexes:
        assert index in plan


def test_the_api_search_filter_reads_the_trigram_indexes():
    # given
    CustomerFactory.create_batch(3)

    # when
    plan = plan_of(CustomerFilter({"search": "hima"}, queryset=Customer.objects.all()).qs)

    # then
    assert "Seq Scan on customers_customer" not in plan
    for index in ("name_trgm", "phone_trgm", "external_id_trgm"):
        assert f"customers_customer_{index}" in plan
