"""Supervision pages, included under /assessment/supervision/."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="supervision"),
    path("spot-checks/", views.spot_checks, name="supervision_spot_checks"),
    path("spot-checks/<int:pk>/", views.spot_check_detail, name="supervision_spot_check"),
    path("spot-checks/<int:pk>/items/<int:item_id>/review/", views.spot_check_review,
         name="supervision_spot_check_review"),
    path("rectifications/", views.rectifications, name="supervision_rectifications"),
    path("rectifications/<int:pk>/close/", views.rectification_close, name="supervision_rectification_close"),
    path("corrective/", views.corrective, name="supervision_corrective"),
    path("corrective/<int:pk>/complete/", views.corrective_complete, name="supervision_corrective_complete"),
    path("recurring/", views.recurring, name="supervision_recurring"),
    path("reports/", views.monthly, name="supervision_monthly"),
    path("reports/<int:pk>.pdf", views.monthly_pdf, name="supervision_monthly_pdf"),
    path("reports/export.xlsx", views.monthly_xlsx, name="supervision_monthly_xlsx"),
    path("regulator/", views.regulator, name="supervision_regulator"),
    path("audit/", views.audit, name="supervision_audit"),
]
