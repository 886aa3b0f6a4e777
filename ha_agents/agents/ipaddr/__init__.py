"""IPaddr: a virtual IPv4 address with gratuitous ARP.

``logic`` (pure: parameters, plan, start/stop/status over an address port), ``netlink``
and ``garp`` (the edges: pyroute2 and a raw ARP socket), ``agent`` (the SDK class behind
``resource.d/IPaddr``), ``inprocess`` (the same agent run inside the daemon).
"""
