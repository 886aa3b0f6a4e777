"""ha_agents.status"""
