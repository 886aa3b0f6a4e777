"""ha_agents.lab"""
