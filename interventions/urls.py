"""API routes of the approval queue (mounted under /api/)."""

from django.urls import path

from interventions import apis

urlpatterns = [
    path("interventions/pending", apis.InterventionPendingListApi.as_view(), name="interventions-pending"),
    path("interventions/approve", apis.InterventionApproveApi.as_view(), name="interventions-approve"),
    path("interventions/reject", apis.InterventionRejectApi.as_view(), name="interventions-reject"),
    path("interventions/history", apis.InterventionHistoryApi.as_view(), name="interventions-history"),
]
