"""``auto_failback legacy``: groups change hands with ``ip-request`` (pure).

The home node asks for each of its groups; the holder releases it and answers
``ip-request-resp`` (``weown=yes``), or answers that it does not hold it.  An unanswered
request is taken after deadtime.
"""

from __future__ import annotations

from ha_agents.failover.actions import Action, Level, Notice, Send
from ha_agents.failover.groups import GroupState, same_node
from ha_agents.failover.state import ManagerState
from ha_agents.wire.resource_msgs import IpRequest, IpRequestResp


class IpRequests:
    def __init__(self, state: ManagerState) -> None:
        self.s = state

    def got_request(self, src: str, msg: IpRequest, now: float) -> list[Action]:
        s = self.s
        key = msg.ipaddr
        if key not in s.groups or not s.legacy:
            return []
        if not (s.groups.wanted(key) or s.groups.state(key) is GroupState.STOPPING):
            return [Send(IpRequestResp(src, key, weown=False), "we do not hold it")]
        actions = s.groups.want([key], False, f"ip-request from {src}", now)
        s.recompute_flags()

        def respond(_n: float) -> list[Action]:
            return [Send(IpRequestResp(src, key, weown=True), "released on request")]

        s.after(respond)
        return actions

    def got_response(self, src: str, msg: IpRequestResp, now: float) -> list[Action]:
        s = self.s
        if not same_node(msg.dest, s.me) or msg.ipaddr not in s.ip_wait:
            return []
        del s.ip_wait[msg.ipaddr]
        weown = "yes" if msg.weown else "no"
        ok = "OK" if msg.ok else "no"
        actions: list[Action] = [
            Notice(Level.INFO, f"received ip-request-resp {msg.ipaddr} {ok} {weown}")
        ]
        if msg.ok:
            s.hold_local = True
            actions += s.groups.want([msg.ipaddr], True, f"ip-request-resp from {src}", now)
        return actions

    def unanswered(self, now: float) -> list[Action]:
        s = self.s
        actions: list[Action] = []
        for key, deadline in list(s.ip_wait.items()):
            if now >= deadline:
                del s.ip_wait[key]
                actions.append(Notice(Level.WARN, f"No ip-request-resp for {key}: taking it."))
                s.hold_local = True
                actions += s.groups.want([key], True, "ip-request unanswered", now)
        return actions
