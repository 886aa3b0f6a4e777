"""ha_agents.api: Heartbeat's client API (the protocol behind ``/run/heartbeat/register``),
pure: framing, ha_msg bodies, apiauth, the requests and their answers, delivery of
cluster messages and status callbacks to clients.  The socket is an edge
(``ha_agents/daemon/apisock.py``).  See docs/api.md."""
