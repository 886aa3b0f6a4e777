"""ha_agents.resources"""
