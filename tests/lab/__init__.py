"""Network-namespace test lab: hosts on a bridge, real Heartbeat / keepalived nodes,
an HTTP client poller.  Used by the multi-node tests, the benchmarks and `make demo`.

EDGE package: runs ip/tc/unshare/nsenter and starts processes.  See docs/lab.md.
"""

from tests.lab.netns import CommandError, Host, Lab, Link
from tests.lab.registry import LabError
from tests.lab.waiting import wait_until

__all__ = ["CommandError", "Host", "Lab", "LabError", "Link", "wait_until"]
