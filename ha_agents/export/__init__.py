"""Export a Heartbeat v1 cluster (ha.cf + haresources + authkeys) to other cluster stacks.

Pure translation: :mod:`ha_agents.export.plan` turns a parsed
:class:`~ha_agents.config.model.ClusterConfig` into a Pacemaker plan, and one renderer per
format writes it (:mod:`.cib`, :mod:`.crmsh`, :mod:`.pcs`), :mod:`.corosync` writes the
Corosync 3 configuration and :mod:`.keepalived` a keepalived.conf per node.  Whatever does
not map is a :class:`~ha_agents.config.diagnostics.Diagnostic` (codes EX6xx) that names the
haresources / ha.cf line and the manual step.  Files are read and written only by
``ha_agents.commands.export``.
"""
