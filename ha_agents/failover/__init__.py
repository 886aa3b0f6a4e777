"""The pure v1 resource manager: who holds which resource group (see docs/failover.md)."""
