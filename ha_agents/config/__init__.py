"""ha_agents.config"""
