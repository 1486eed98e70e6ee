"""A voice URL is the Forward Twimlet only when every URL parser sends it to
Twilio's Twimlet: its scheme, host and port exactly Twilio's, and nothing a
WHATWG parser (urllib3, browsers) reads differently. Anything else is routing."""

from __future__ import annotations

import pytest

from phonefleet_twilio import forward_url, forwarding_from_url

TARGET = "+12025550199"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\@twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://evil.example%5C@twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://user@twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://user:pw@twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com:8443/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com:443/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com.evil.example/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com\\.evil.example/forward?PhoneNumber=%2B12025550199",
        "https://evil.example/forward?x=twimlets.com&PhoneNumber=%2B12025550199",
        "https://twimlets.com\\forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com/forward?PhoneNumber=%2B12025550199\\",
        "https://twim\tlets.com/forward?PhoneNumber=%2B12025550199",
        " https://twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com/forward?PhoneNumber=%2B12025550199#frag",
        "ftp://twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https:twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https:///twimlets.com/forward?PhoneNumber=%2B12025550199",
        "https://twimlets.com./forward?PhoneNumber=%2B12025550199",
    ],
)
def test_look_alikes_are_routing_not_forwarding(url: str) -> None:
    assert forwarding_from_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        forward_url(TARGET),
        "https://twimlets.com/forward?PhoneNumber=%2B12025550199",
        "http://twimlets.com/forward?PhoneNumber=+12025550199",
        "https://www.twimlets.com/forward/?PhoneNumber=%2B12025550199&Timeout=20",
        "HTTPS://TWIMLETS.COM/forward?PhoneNumber=%2B12025550199",
    ],
)
def test_the_twimlet_itself_is_forwarding(url: str) -> None:
    assert forwarding_from_url(url) == TARGET
