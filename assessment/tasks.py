from celery import shared_task

from complaints_portal.db_router import replica_reads


@shared_task
def snapshot_previous_quarter():
    """Store the KPI snapshot of the quarter that just ended."""
    from .kpi import services

    # The figures may be read on the replica once it has replayed every commit made before the
    # job started (else on the primary): as fresh as reading the primary at the start.
    with replica_reads(caught_up=True):
        return services.snapshot_previous_quarter()
