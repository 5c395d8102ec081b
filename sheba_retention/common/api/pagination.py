"""Pagination: numbered pages for bounded lists, a cursor for the endless booking history."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class NewestFirstCursorPagination(CursorPagination):
    """Stable under inserts and O(1) per page however deep: COUNT(*) over a million bookings is never run."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-booked_at", "-id")
