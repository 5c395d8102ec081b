"""The analyst portal's pages, under /analyst/: each report page with a CSV of every chart beside it."""

from django.urls import path

from analytics import views

app_name = "analyst"

# URL name → path: the report pages of analytics.views.REPORTS
REPORT_PATHS = {
    "retention": "retention/",
    "experiments": "ab-results/",
    "roi": "roi/",
    "segments": "segments/",
    "quality": "quality/",
}

urlpatterns = [
    path("", views.overview, name="overview"),
    path("customers/", views.customers, name="customers"),
    path("customers/<str:customer_id>/", views.customer, name="customer"),
    path("report/", views.pdf_form, name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
]
for name, prefix in REPORT_PATHS.items():
    urlpatterns += [
        path(prefix, views.report, {"page": name}, name=name),
        path(f"{prefix}<slug:chart>.csv", views.report_csv, {"page": name}, name=f"{name}-csv"),
    ]
