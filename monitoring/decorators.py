"""The monitoring allow-list (GitLab's `monitoring_whitelist`): one setting for every monitoring endpoint."""

import functools
import ipaddress

from django.conf import settings
from django.http import Http404


@functools.cache
def _networks(allowlist: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowlist)


def client_allowed(remote_addr: str) -> bool:
    """Whether the connecting address (REMOTE_ADDR: the peer, not a header a client could forge) is allowed."""
    try:
        address = ipaddress.ip_address(remote_addr.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(settings.MONITORING_ALLOWLIST)))


def monitoring_endpoint(view):
    """Only addresses in ASSAY_MONITORING_ALLOWLIST reach the view; everyone else gets 404, as on GitLab."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not client_allowed(request.META.get("REMOTE_ADDR", "")):
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper
