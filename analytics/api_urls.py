"""API routes of analytics (mounted under /api/; the portal's pages are in analytics.urls)."""

from django.urls import path

from analytics import apis

urlpatterns = [
    path("analytics/retention", apis.AnalyticsRetentionApi.as_view(), name="analytics-retention"),
    path("analytics/roi", apis.AnalyticsRoiApi.as_view(), name="analytics-roi"),
    path("analytics/segments", apis.AnalyticsSegmentsApi.as_view(), name="analytics-segments"),
    path("analytics/revenue", apis.AnalyticsRevenueApi.as_view(), name="analytics-revenue"),
]
