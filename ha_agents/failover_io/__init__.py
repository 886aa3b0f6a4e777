"""EDGE: the I/O side of failover — runs what the pure manager (ha_agents.failover)
decides: resource groups through the resources runner, gratuitous ARP, fencing, pings."""
