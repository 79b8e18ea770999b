"""A real IMAPS server (Debian's dovecot) for the email intake tests, one per test session;
each test gets a mailbox of its own, configured as the portal's only complaint mailbox."""
import pytest

from tests.servers import dovecot


@pytest.fixture(scope="session")
def imap_server():
    if not dovecot.available():
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd; .ci/run does)")
    server = dovecot.DovecotServer()
    yield server
    server.stop()


@pytest.fixture
def mailbox(imap_server, settings):
    """A fresh complaint mailbox on the server, the only one configured, its certificate trusted."""
    user, password = imap_server.add_user()
    box = imap_server.mailbox(user, password)
    settings.EMAIL_INTAKE_MAILBOXES = [box]
    settings.EMAIL_INTAKE_CA_FILE = str(imap_server.cert)

    class Handle:
        config = box
        server = imap_server

        @staticmethod
        def deliver(raw):
            imap_server.append(user, password, raw)

        @staticmethod
        def inbox():
            return imap_server.messages(user, password)

        @staticmethod
        def processed():
            return imap_server.messages(user, password, box.processed)

        @staticmethod
        def empty_inbox():
            imap_server.delete_all(user, password)

    return Handle
