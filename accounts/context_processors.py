"""The portal navigation of whoever is looking: the pages their role may open (the views check again)."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import customer_of, sees_staff_data


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


# (label, URL name, who sees it)
_PAGES = [
    (_("Overview"), "analyst:overview", sees_staff_data),
    (_("Retention"), "analyst:retention", sees_staff_data),
    (_("A/B results"), "analyst:experiments", sees_staff_data),
    (_("ROI"), "analyst:roi", sees_staff_data),
    (_("Segments"), "analyst:segments", sees_staff_data),
    (_("Model quality"), "analyst:quality", sees_staff_data),
    (_("Customers"), "analyst:customers", sees_staff_data),
    (_("Report"), "analyst:report", sees_staff_data),
    (_("Admin"), "admin:index", sees_staff_data),
    (_("My account"), "customer-home", lambda user: customer_of(user) is not None),
]

# A page below another in the navigation: its item is the current one there too.
_SECTIONS = {"analyst:customer": "analyst:customers"}


def portal_nav(request: HttpRequest) -> dict:
    def items() -> list[NavItem]:
        user = request.user
        here = request.resolver_match.view_name if request.resolver_match else ""
        section = _SECTIONS.get(here, here)
        return [NavItem(str(label), reverse(name), section == name) for label, name, shown in _PAGES if shown(user)]

    return {"portal_nav": items}  # a callable: the template calls it only on pages that show the navigation
