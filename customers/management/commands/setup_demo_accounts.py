"""python manage.py setup_demo_accounts [--password P]"""

from django.core.management.base import BaseCommand

from customers.services.demo_accounts import demo_accounts_setup
from sheba_retention.env import env


class Command(BaseCommand):
    help = "Create or reset the demo logins (admin, staff, analyst, customer) and print them."

    def add_arguments(self, parser):
        parser.add_argument("--site", default="http://127.0.0.1:8000", help="where the site is served (printed)")
        parser.add_argument(
            "--password",
            default=env("DEMO_PASSWORD", default="") or None,
            help="one password for every demo login (default: DEMO_PASSWORD, else a random one each)",
        )

    def handle(self, *args, password, site, **options):
        logins = demo_accounts_setup(password=password)
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (site: {site}):"))
        for login in logins:
            line = f"  {login.role:<22} {login.username:<9} password: {login.password:<14} → {login.where}"
            self.stdout.write(line)
            if login.api_token:
                self.stdout.write(f"  {'':<22} API: Authorization: Token {login.api_token}")
        self.stdout.write("")
