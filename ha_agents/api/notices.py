"""The client API's log lines, in Heartbeat's words where it has some.  Pure."""

from __future__ import annotations

from ha_agents.notice import Level, Notice


def bad_request(reqtype: str, unknown: bool) -> Notice:
    text = f"api_process_request: bad request [{reqtype}]"
    if unknown:
        text = f"Unknown API request; {text}"
    return Notice(Level.ERROR, text, (("event", "api_bad_request"), ("reqtype", reqtype)))


def dropped(who: str, reason: str, detail: str) -> Notice:
    return Notice(
        Level.WARN,
        f"API client {who} dropped: {detail}",
        (("event", "api_drop"), ("reason", reason)),
    )


def refused_type(client: str, msgtype: str) -> Notice:
    return Notice(
        Level.WARN,
        f"API client {client}: message type [{msgtype}] may not be sent to the cluster",
        (("event", "api_drop"), ("reason", "reserved_type")),
    )
