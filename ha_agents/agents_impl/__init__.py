"""Resource agents shipped with ha_agents, written with the agent SDK (ha_agents.agent).

The executable entry files live in resource.d/ and only call ``run(Agent)``.
"""
