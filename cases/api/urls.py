"""Routes of the complaint API, included under /api/v1/ by complaints_portal/urls.py."""
from rest_framework.routers import SimpleRouter

from .views import ComplaintViewSet

router = SimpleRouter()
router.register("complaints", ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
