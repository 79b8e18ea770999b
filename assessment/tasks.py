from celery import shared_task


@shared_task
def snapshot_previous_quarter():
    """Store the KPI snapshot of the quarter that just ended."""
    from . import services

    return services.snapshot_previous_quarter()
