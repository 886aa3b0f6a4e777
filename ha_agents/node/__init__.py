"""The node: the one pure composition of a cluster member (membership engine + failover
manager + message signing) that the daemon, ``simulate`` and the tests all drive."""
