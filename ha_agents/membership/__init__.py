"""ha_agents.membership"""
