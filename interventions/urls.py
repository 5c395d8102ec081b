"""API routes of the approval queue, the support call list and a customer's offers (mounted under /api/)."""

from django.urls import path

from interventions.apis import calls, history, offers, queue, uplift

urlpatterns = [
    path("interventions/pending", queue.InterventionPendingListApi.as_view(), name="interventions-pending"),
    path("interventions/approve", queue.InterventionApproveApi.as_view(), name="interventions-approve"),
    path("interventions/reject", queue.InterventionRejectApi.as_view(), name="interventions-reject"),
    path("interventions/history", history.InterventionHistoryApi.as_view(), name="interventions-history"),
    path("interventions/uplift", uplift.InterventionUpliftApi.as_view(), name="interventions-uplift"),
    path("interventions/calls", calls.SupportCallListApi.as_view(), name="interventions-calls"),
    path("interventions/calls/<int:call_id>/claim", calls.SupportCallClaimApi.as_view(), name="interventions-claim"),
    path("interventions/calls/<int:call_id>/log", calls.SupportCallLogApi.as_view(), name="interventions-call-log"),
    path("customers/<str:customer_id>/offers", offers.CustomerOfferListApi.as_view(), name="customer-offers"),
]
