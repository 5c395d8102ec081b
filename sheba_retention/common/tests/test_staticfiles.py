"""plotly.js is served from the installed plotly package, found and collected like any static file."""

from django.contrib.staticfiles import finders
from django.core.management import call_command

from sheba_retention.common.staticfiles import PackageFilesFinder

PLOTLY = "vendor/plotly/plotly.min.js"


def test_plotly_js_is_found_in_the_installed_package():
    found = finders.find(PLOTLY)

    assert found is not None
    assert str(found).endswith("plotly/package_data/plotly.min.js")
    assert PackageFilesFinder().check() == []
    assert PackageFilesFinder().find("vendor/plotly/other.js") == []


def test_collectstatic_copies_it(tmp_path, settings):
    # given
    settings.STATIC_ROOT = tmp_path

    # when
    call_command("collectstatic", "--noinput", verbosity=0)

    # then
    assert (tmp_path / PLOTLY).stat().st_size > 1_000_000
    assert (tmp_path / "django_htmx" / "htmx-2.min.js").is_file()
    assert (tmp_path / "css" / "portal.css").is_file()
