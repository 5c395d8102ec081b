"""API routes of the approval queue (mounted under /api/)."""

from django.urls import path

from interventions import apis
from interventions import apis_calls as calls

urlpatterns = [
    path("interventions/pending", apis.InterventionPendingListApi.as_view(), name="interventions-pending"),
    path("interventions/approve", apis.InterventionApproveApi.as_view(), name="interventions-approve"),
    path("interventions/reject", apis.InterventionRejectApi.as_view(), name="interventions-reject"),
    path("interventions/history", apis.InterventionHistoryApi.as_view(), name="interventions-history"),
    path("interventions/uplift", apis.InterventionUpliftApi.as_view(), name="interventions-uplift"),
    path("interventions/calls", calls.SupportCallListApi.as_view(), name="interventions-calls"),
    path("interventions/calls/<int:call_id>/claim", calls.SupportCallClaimApi.as_view(), name="interventions-claim"),
    path("interventions/calls/<int:call_id>/log", calls.SupportCallLogApi.as_view(), name="interventions-call-log"),
]
