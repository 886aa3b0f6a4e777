"""ha_agents.wire"""
