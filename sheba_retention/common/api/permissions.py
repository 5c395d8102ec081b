"""Who may see what: staff see everything; a customer sees only their own rows."""


def customer_of(user):
    """The Customer a logged-in user is, or None (staff and unlinked users)."""
    return getattr(user, "customer", None) if user and user.is_authenticated else None
