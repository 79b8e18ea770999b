"""The SMS platform's delivery reports (contract in cases/public/sms_gateway.py). No login and
no CSRF token: the request is authenticated by its HMAC signature with the shared secret."""
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .sms_gateway import ReportRejected, delivery_report_record


@csrf_exempt
@require_POST
def sms_delivery_report(request):
    try:
        delivery_report_record(body=request.body, timestamp=request.headers.get("X-Sms-Timestamp", ""),
                               signature=request.headers.get("X-Sms-Signature", ""))
    except ReportRejected as exc:
        return HttpResponse(str(exc), status=exc.status, content_type="text/plain; charset=utf-8")
    return HttpResponse(status=204)
