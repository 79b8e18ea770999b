"""A replica that does not answer: marked reads run on the primary instead of failing."""
from cases.models import Complaint
from complaints_portal.db_router import PrimaryReplicaRouter, replica_reads
from tests.replica.conftest import REPLICA_DB

pytestmark = REPLICA_DB
router = PrimaryReplicaRouter()


def test_an_unreachable_replica_falls_back_to_the_primary(unreachable_replica, caplog):
    with replica_reads():
        assert router.db_for_read(Complaint) == "default"
        assert Complaint.objects.count() == 0
    assert "read replica unavailable" in caplog.text
