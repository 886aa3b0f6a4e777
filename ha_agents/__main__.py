"""`python -m ha_agents` is the same CLI as `ha-agents`."""

from ha_agents.cli import main

raise SystemExit(main())
