from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from complaints_portal.common import metrics as common_metrics
from complaints_portal.common import views as common_views

urlpatterns = [
    path("healthz", common_views.healthz, name="healthz"),
    path("metrics", common_metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/forgotten/", common_views.password_forgotten, name="password_forgotten"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/", include("assessment.api.urls")),
    path("assessment/", include("assessment.urls")),
    path("public/", include("cases.public.urls")),
    path("", include("cases.urls")),
]

handler400 = "complaints_portal.common.views.error_400"
handler403 = "complaints_portal.common.views.error_403"
handler404 = "complaints_portal.common.views.error_404"
handler500 = "complaints_portal.common.views.error_500"
