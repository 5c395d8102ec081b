"""API routes of predictions, model administration and a customer's profile and loyalty (mounted under /api/)."""

from django.urls import path

from predictions import apis

urlpatterns = [
    path("customers/<str:customer_id>", apis.CustomerDetailApi.as_view(), name="customer-detail"),
    path("customers/<str:customer_id>/loyalty", apis.CustomerLoyaltyApi.as_view(), name="customer-loyalty"),
    path("predict/churn", apis.ChurnPredictApi.as_view(), name="predict-churn"),
    path("predictions/at-risk", apis.AtRiskListApi.as_view(), name="predictions-at-risk"),
    path("predictions/dashboard", apis.DashboardApi.as_view(), name="predictions-dashboard"),
    path("admin/retrain", apis.RetrainApi.as_view(), name="admin-retrain"),
    path("admin/model-performance", apis.ModelPerformanceListApi.as_view(), name="admin-model-performance"),
]
