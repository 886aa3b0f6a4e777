"""ha_agents.daemon"""
