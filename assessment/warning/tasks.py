from celery import shared_task


@shared_task
def surge_alerts_raise():
    """Daily (beat): raise the surge alerts of the days that ended; safe to run twice."""
    from . import surge

    return len(surge.surge_alerts_raise())
