"""DRF's own validation messages that the portals can show, marked here so that `make messages` keeps them in
locale/bn: DRF ships no Bengali catalogue, and Django looks a message up in the project's catalogue whichever package
asks for it. Each text is DRF's exactly (a test checks it against the installed DRF, so an upgrade that rewords one
fails there rather than falling back to English in silence). The values DRF puts into them (a format, a length, what
was typed) stay as DRF writes them.

Today these are the report filters' (analytics.apis.FilterInputSerializer): dates, choices and a short text.
"""

from django.utils.translation import gettext_noop

DRF_MESSAGES = {
    ("Field", "required"): gettext_noop("This field is required."),
    ("Field", "null"): gettext_noop("This field may not be null."),
    ("CharField", "invalid"): gettext_noop("Not a valid string."),
    ("CharField", "blank"): gettext_noop("This field may not be blank."),
    ("CharField", "max_length"): gettext_noop("Ensure this field has no more than {max_length} characters."),
    ("CharField", "min_length"): gettext_noop("Ensure this field has at least {min_length} characters."),
    ("ChoiceField", "invalid_choice"): gettext_noop('"{input}" is not a valid choice.'),
    ("DateField", "invalid"): gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    ("DateField", "datetime"): gettext_noop("Expected a date but got a datetime."),
    ("Serializer", "invalid"): gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
}
