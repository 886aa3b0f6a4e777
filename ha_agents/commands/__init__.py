"""One module per `ha-agents` subcommand; each defines ``register(subparsers)``."""
