"""The SSRF guard: checked at connect time, on the resolved address."""

from __future__ import annotations

import ipaddress

import pytest

from services.net.http import (
    BlockedAddress,
    DnsError,
    InvalidUrl,
    OutboundConnectionError,
    OutboundError,
    OutboundHttp,
    address_allowed,
    check_target_url,
    check_url,
    literal_address,
)


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
        "240.0.0.1",
    ],
)
def test_private_and_special_addresses_are_blocked(ip):
    assert address_allowed(ipaddress.ip_address(ip), allow_private=False) is False


@pytest.mark.parametrize("ip", ["93.184.216.34", "2606:4700::6810:85e5", "8.8.8.8"])
def test_public_addresses_are_allowed(ip):
    assert address_allowed(ipaddress.ip_address(ip), allow_private=False) is True


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [("127.0.0.1", True), ("10.0.0.1", True), ("0.0.0.0", False), ("224.0.0.1", False)],
)
def test_allowing_private_targets_still_refuses_nonsense(ip, allowed):
    assert address_allowed(ipaddress.ip_address(ip), allow_private=True) is allowed


@pytest.mark.parametrize(
    ("url", "allow_private"),
    [
        ("ftp://example.com/x", True),
        ("/relative", True),
        ("https://user:pw@example.com/", True),
        ("http://example.com/hook", False),
    ],
)
def test_bad_urls_are_refused(url, allow_private):
    with pytest.raises(InvalidUrl):
        check_url(url, allow_private)


def post(http, url):
    return http.post(url, b"{}", {}, connect_timeout=1, read_timeout=1)


def test_a_public_looking_host_resolving_to_loopback_is_blocked(sink):
    http = OutboundHttp(allow_private=False, resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(BlockedAddress):
        post(http, f"https://hooks.example.com:{sink.port}/hook")
    assert sink.requests == []


def test_one_bad_address_among_good_ones_is_skipped(sink):
    http = OutboundHttp(allow_private=True, resolver=lambda host, port: ["224.0.0.1", "127.0.0.1"])
    resp = post(http, f"http://hooks.example.com:{sink.port}/hook")
    assert resp.status == 200
    assert sink.wait_for(1)[0].headers["host"] == f"hooks.example.com:{sink.port}"


def test_a_failed_lookup_is_a_dns_error_not_a_blocked_address():
    def resolver(host, port):
        import socket

        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(DnsError) as failure:
        post(OutboundHttp(allow_private=True, resolver=resolver), "http://nowhere.invalid/")
    assert failure.value.kind == "dns_error"


def test_refused_connection_is_a_connection_error():
    with pytest.raises(OutboundConnectionError):
        post(OutboundHttp(allow_private=True), "http://127.0.0.1:9/")


def test_large_answers_are_cut(sink):
    from tests.support.sink import Reply

    sink.script("/big", Reply(body=b"x" * 200_000))
    resp = OutboundHttp(allow_private=True).post(
        sink.url("/big"), b"{}", {}, connect_timeout=1, read_timeout=2, max_body=1000
    )
    assert len(resp.body) == 1000


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata service
        "64:ff9b::7f00:1",  # NAT64 of loopback
        "::a9fe:a9fe",  # IPv4-compatible
        "2002:a9fe:a9fe::1",  # 6to4 of the metadata service
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
        "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
        "::ffff:169.254.169.254",
    ],
)
def test_ipv6_addresses_that_lead_to_a_private_ipv4_are_refused(address):
    assert address_allowed(ipaddress.ip_address(address), allow_private=False) is False


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"])
def test_ipv6_addresses_that_lead_to_a_public_ipv4_are_allowed(address):
    assert address_allowed(ipaddress.ip_address(address), allow_private=False) is True


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/hook",
        "https://0x7f000001/hook",
        "https://2130706433/hook",
        "https://0177.0.0.1/hook",
        "https://localhost./hook",
        "https://api.localhost/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[64:ff9b::a9fe:a9fe]/hook",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "gopher://example.com/x",
    ],
)
def test_a_target_url_naming_a_private_address_in_any_notation_is_refused(url):
    with pytest.raises(OutboundError):
        check_target_url(url, allow_private=False)


def test_a_public_target_url_passes_the_save_check():
    check_target_url("https://hook.eu2.make.com/abc", allow_private=False)
    check_target_url("https://8.8.8.8/hook", allow_private=False)
    assert literal_address("hook.eu2.make.com") is None
    assert str(literal_address("0x7f.1")) == "127.0.0.1"
