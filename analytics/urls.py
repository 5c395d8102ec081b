"""The analyst portal's pages, under /analyst/."""

from django.urls import path

from analytics import views

app_name = "analyst"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("customers/", views.customers, name="customers"),
    path("customers/<str:customer_id>/", views.customer, name="customer"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
]
