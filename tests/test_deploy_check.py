"""Production settings pass Django's deployment checklist with no warning, given only the secrets they require."""

import os
import subprocess
import sys

from django.conf import settings

# What production refuses to start without, as dummy values; nothing else is set, so every other value is the default.
REQUIRED = {
    "DJANGO_SETTINGS_MODULE": "sheba_retention.settings.production",
    "DJANGO_SECRET_KEY": "deploy-check-" + "k7Qw9zR2xLp4Vb8N" * 4,
    "DJANGO_ALLOWED_HOSTS": "retention.example.com",
    "PAYMENTS_BKASH_CALLBACK_SECRET": "deploy-check-bkash",
    "PAYMENTS_NAGAD_CALLBACK_SECRET": "deploy-check-nagad",
    "PAYMENTS_BANK_CALLBACK_SECRET": "deploy-check-bank",
}


def test_check_deploy_with_production_settings_warns_about_nothing():
    # given an environment with nothing but the required settings
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    environment |= REQUIRED

    # when
    check = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "System check identified no issues (0 silenced).", check.stdout
