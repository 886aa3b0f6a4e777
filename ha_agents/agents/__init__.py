"""The resource agents shipped with ha_agents, each in one folder, on the agent SDK.

``ipaddr/`` (a virtual IPv4 address: the pure logic, its netlink and gratuitous-ARP
edges, and the in-process runner the daemon uses for it), ``httpd/`` (a web server),
``redis/`` (a redis-server instance).  ``resource.d/`` holds their executable entry
files (package data, found by :mod:`ha_agents.config.search`); each is a few lines that
hand over to :mod:`ha_agents.agents.shim`.

Importing this package imports nothing else: the entry files import it with whatever
Python runs them, before they know that Python can run ha_agents.
"""
