import pytest
from django.test import RequestFactory

from authsvc.clientip import client_ip


def _request(remote="10.0.0.9", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_forwarded_for_is_ignored_by_default(settings):
    settings.AUTH_TRUSTED_PROXIES = 0

    assert client_ip(_request(xff="6.6.6.6")) == "10.0.0.9"


@pytest.mark.parametrize(
    ("hops", "xff", "expected"),
    [
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a client-forged left entry is not trusted
        (2, "6.6.6.6, 1.2.3.4, 10.1.1.1", "1.2.3.4"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "1.2.3.4:5678", "1.2.3.4"),
    ],
)
def test_trusted_proxies_pick_the_entry_n_hops_from_the_right(settings, hops, xff, expected):
    settings.AUTH_TRUSTED_PROXIES = hops

    assert client_ip(_request(xff=xff)) == expected


@pytest.mark.parametrize("xff", ["", "not-an-ip", ",,,", "1.2.3.4.5", "\x00", "999.1.1.1"])
def test_malformed_forwarded_for_falls_back_to_the_socket(settings, xff):
    settings.AUTH_TRUSTED_PROXIES = 1

    assert client_ip(_request(xff=xff)) == "10.0.0.9"


def test_fewer_entries_than_proxies_falls_back_to_the_socket(settings):
    settings.AUTH_TRUSTED_PROXIES = 2

    assert client_ip(_request(xff="1.2.3.4")) == "10.0.0.9"
