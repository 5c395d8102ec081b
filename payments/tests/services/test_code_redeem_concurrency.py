"""Row locks under real concurrency: only PostgreSQL has them, so these run in CI's PostgreSQL pass."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from payments.models import DiscountCode, Redemption
from payments.services import CodeRejected, discount_code_redeem
from payments.tests.factories import DiscountCodeFactory

ATTEMPTS = 50


def run_concurrently(n: int, work) -> list:
    """Run work(i) in n threads released together; each thread has (and closes) its own connection."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.postgres
# serialized_rollback restores the catalogue rows the data migrations loaded, which a transactional test flushes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_redemptions_of_a_single_use_code_give_exactly_one_success():
    # given
    code = DiscountCodeFactory(max_uses=1)

    # when
    results = run_concurrently(
        ATTEMPTS,
        lambda i: discount_code_redeem(
            code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key=f"race-{i}"
        ),
    )

    # then
    successes = [r for r in results if isinstance(r, Redemption)]
    rejections = Counter(r.reason_code for r in results if isinstance(r, CodeRejected))
    assert len(successes) == 1, results
    assert rejections == {"used_up": ATTEMPTS - 1}, results
    assert Redemption.objects.count() == 1
    assert DiscountCode.objects.get(pk=code.pk).uses == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_with_one_idempotency_key_give_one_redemption():
    # given
    code = DiscountCodeFactory(max_uses=5)

    # when
    results = run_concurrently(
        10,
        lambda i: discount_code_redeem(
            code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key="same-key"
        ),
    )

    # then
    assert all(isinstance(r, Redemption) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert DiscountCode.objects.get(pk=code.pk).uses == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_redemptions_of_a_multi_use_code_stop_at_its_maximum():
    # given
    code = DiscountCodeFactory(max_uses=3)

    # when
    results = run_concurrently(
        20,
        lambda i: discount_code_redeem(
            code=code.code, customer=code.customer, order_amount=Decimal("1200"), idempotency_key=f"multi-{i}"
        ),
    )

    # then
    assert sum(isinstance(r, Redemption) for r in results) == 3, results
    assert Counter(r.reason_code for r in results if isinstance(r, CodeRejected)) == {"used_up": 17}
    assert DiscountCode.objects.get(pk=code.pk).uses == 3
