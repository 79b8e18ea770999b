from django.urls import include, path

urlpatterns = [
    path("", include("assessment.kpi.urls")),
    path("supervision/", include("assessment.supervision.urls")),
    path("results/", include("assessment.bonus.urls")),
    path("warning/", include("assessment.warning.urls")),
    path("disclosure/", include("assessment.disclosure.urls")),
]
