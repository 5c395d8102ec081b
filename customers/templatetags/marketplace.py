"""`{% load marketplace %}`: the names of stored marketplace keys in the active language."""

from django import template

from customers.models import Segment

register = template.Library()


@register.filter
def segment_label(key: str) -> str:
    """A segment's key as its name ("" for none, the key itself for one this version does not know)."""
    return str(Segment.Key(key).label) if key in Segment.Key.values else key
