from celery import shared_task
from django.conf import settings


@shared_task
def surge_alerts_raise():
    """Daily (beat): raise the surge alerts of the days that ended; safe to run twice."""
    from . import surge

    return len(surge.surge_alerts_raise())


@shared_task
def organised_case_check(case_id):
    """After a registration: the organised-complaint signals of the new case; safe to run twice."""
    from . import organised

    organised.case_signals_record(case_id)


@shared_task
def organised_text_check(case_id):
    """The near-identical-text signal of one case (queued after a registration before
    organised_case_check did all of its signals); safe to run twice."""
    from . import organised

    organised.text_signals_record([case_id], recent=settings.ORGANISED_TEXT_RECENT)


@shared_task
def organised_signals_daily():
    """Daily (beat): every organised-complaint signal over the window; safe to run twice."""
    from . import organised

    return organised.organised_signals_daily()
