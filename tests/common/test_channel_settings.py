"""The channel settings (mailboxes, SMS gateway, directory): a bad value stops start-up with a
message naming its variable."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from complaints_portal.common.channel_settings import (
    gateway_url,
    mailboxes_from_env,
    sms_templates_from_env,
)
from complaints_portal.common.directory_settings import directory_settings, group_departments, group_roles
from complaints_portal.settings import base

ROOT = Path(__file__).resolve().parents[2]


def test_mailbox_urls_give_host_port_tls_credentials_and_folders():
    inbox, claims = mailboxes_from_env([
        "imaps://complaints%40insurer.cn:p%2Cw%40rd@mail.insurer.cn",
        "imap+starttls://claims:secret@10.0.0.5:1143/Claims/Inbox?processed=Claims/Done",
    ])
    assert (inbox.host, inbox.port, inbox.starttls, inbox.username, inbox.password) == (
        "mail.insurer.cn", 993, False, "complaints@insurer.cn", "p,w@rd")
    assert (inbox.folder, inbox.processed, inbox.label) == ("INBOX", "Processed", "complaints@insurer.cn@mail.insurer.cn/INBOX")
    assert (claims.port, claims.starttls, claims.folder, claims.processed) == (1143, True, "Claims/Inbox", "Claims/Done")
    assert "secret" not in repr(claims)
    assert mailboxes_from_env([]) == [] and mailboxes_from_env([""]) == []


@pytest.mark.parametrize("url", [
    "imap://u:p@mail.example.com",  # no TLS
    "imaps://mail.example.com",  # no credentials
    "imaps://u@mail.example.com",  # no password
    "imaps://u:p@mail.example.com:99999",
    "imaps://u:p@mail.example.com/INBOX?delete=yes",
    "imaps://u:p@mail.example.com/收件箱",
    "imaps://u:p@mail.example.com/INBOX?processed=INBOX",
])
def test_a_bad_mailbox_url_names_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_INTAKE_MAILBOXES"):
        mailboxes_from_env([url])


def test_the_same_mailbox_twice_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_INTAKE_MAILBOXES.*twice"):
        mailboxes_from_env(["imaps://u:p@h/INBOX", "imaps://u:q@h/INBOX"])


def test_sms_templates_are_kind_id_pairs():
    assert sms_templates_from_env(["received=SMS_100001", " reminder = SMS_2 "]) == {
        "received": "SMS_100001", "reminder": "SMS_2"}
    for bad in (["received"], ["received="], ["Received=SMS_1"], ["received=1", "received=2"]):
        with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY_TEMPLATES"):
            sms_templates_from_env(bad)


def test_the_gateway_is_reached_over_https_except_on_this_machine():
    assert gateway_url("https://sms.insurer.cn/api/send") == "https://sms.insurer.cn/api/send"
    assert gateway_url("http://127.0.0.1:8080/send") == "http://127.0.0.1:8080/send"
    for bad in ("http://sms.insurer.cn/send", "ftp://x/", "https://", "https://h:port/"):
        with pytest.raises(ImproperlyConfigured, match="SMS_GATEWAY_URL"):
            gateway_url(bad)


def test_group_mappings_end_each_dn_at_its_last_equals_sign():
    roles = group_roles("CN=Clerks, OU=Groups,DC=example,DC=com=intake_clerk;cn=qa,dc=example,dc=com=supervisor+senior_manager")
    assert roles == {"cn=clerks,ou=groups,dc=example,dc=com": {"intake_clerk"},
                     "cn=qa,dc=example,dc=com": {"supervisor", "senior_manager"}}
    departments = group_departments("cn=s,dc=example,dc=com=SALES:investigator+CS:head")
    assert departments == {"cn=s,dc=example,dc=com": {"SALES": "investigator", "CS": "head"}}


@pytest.mark.parametrize(("parse", "value", "name"), [
    (group_roles, "cn=x,dc=example,dc=com=clerk", "LDAP_GROUP_ROLES"),  # unknown role
    (group_roles, "intake_clerk", "LDAP_GROUP_ROLES"),  # no DN
    (group_roles, "not a dn=intake_clerk", "LDAP_GROUP_ROLES"),
    (group_departments, "cn=x,dc=example,dc=com=SALES", "LDAP_GROUP_DEPARTMENTS"),  # no role
    (group_departments, "cn=x,dc=example,dc=com=SALES:boss", "LDAP_GROUP_DEPARTMENTS"),
])
def test_a_bad_group_mapping_names_the_variable(parse, value, name):
    with pytest.raises(ImproperlyConfigured, match=name):
        parse(value)


@pytest.mark.parametrize(("variables", "name"), [
    ({"LDAP_USER_SEARCH_BASE": ""}, "LDAP_USER_SEARCH_BASE"),
    ({"LDAP_USER_SEARCH_FILTER": "(uid=someone)"}, "LDAP_USER_SEARCH_FILTER"),
    ({"LDAP_GROUP_TYPE": "groupOfPeople"}, "LDAP_GROUP_TYPE"),
    ({"LDAP_GROUP_ROLES": "", "LDAP_GROUP_DEPARTMENTS": ""}, "LDAP_GROUP_ROLES and LDAP_GROUP_DEPARTMENTS"),
    ({"LDAP_CA_FILE": "/nowhere/ca.pem"}, "LDAP_CA_FILE"),
    ({"LDAP_START_TLS": "perhaps"}, "LDAP_START_TLS"),
])
def test_a_bad_directory_setting_names_the_variable(monkeypatch, variables, name):
    pytest.importorskip("django_auth_ldap", reason="python-ldap not built (libldap-dev, libsasl2-dev missing)")
    good = {"LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=com",
            "LDAP_GROUP_ROLES": "cn=clerks,dc=example,dc=com=intake_clerk"}
    for key, value in {**good, **variables}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        directory_settings(base.env, base.env_value, "ldap://ldap.example.com")


def _start(**variables):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "complaints_portal.settings.test", **variables}
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("variables", "name"), [
    ({"EMAIL_INTAKE_MAILBOXES": "imap://u:p@mail.example.com"}, "EMAIL_INTAKE_MAILBOXES"),
    ({"EMAIL_INTAKE_POLL_SECONDS": "1"}, "EMAIL_INTAKE_POLL_SECONDS"),
    ({"SMS_BACKEND": "cases.public.sms_gateway.HttpSmsBackend"}, "SMS_GATEWAY_URL"),
    ({"SMS_BACKEND": "cases.public.sms_gateway.HttpSmsBackend", "SMS_GATEWAY_URL": "https://sms.example.com/",
      "SMS_GATEWAY_USERNAME": "u", "SMS_GATEWAY_PASSWORD": "p", "SMS_GATEWAY_TEMPLATES": "received=T1",
      "SMS_GATEWAY_CALLBACK_SECRET": "short"}, "SMS_GATEWAY_CALLBACK_SECRET"),
    ({"LDAP_SERVER_URI": "ldap://ldap.example.com", "LDAP_USER_SEARCH_BASE": "ou=people,dc=example,dc=com",
      "LDAP_GROUP_ROLES": "cn=clerks,dc=example,dc=com=clerk"}, "LDAP_GROUP_ROLES"),
])
def test_the_portal_does_not_start_with_a_bad_channel_setting(variables, name):
    started = _start(**variables)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and name in started.stderr


def test_the_portal_starts_with_the_channels_configured():
    started = _start(
        EMAIL_INTAKE_MAILBOXES="imaps://complaints:pw@mail.example.com/INBOX",
        SMS_BACKEND="cases.public.sms_gateway.HttpSmsBackend", SMS_GATEWAY_URL="https://sms.example.com/send",
        SMS_GATEWAY_USERNAME="portal", SMS_GATEWAY_PASSWORD="pw", SMS_GATEWAY_TEMPLATES="received=SMS_100001",
        SMS_GATEWAY_CALLBACK_SECRET="x" * 32, LDAP_SERVER_URI="ldaps://ldap.example.com",
        LDAP_USER_SEARCH_BASE="ou=people,dc=example,dc=com",
        LDAP_GROUP_DEPARTMENTS="cn=sales,ou=groups,dc=example,dc=com=SALES:head",
    )
    assert started.returncode == 0, started.stderr
