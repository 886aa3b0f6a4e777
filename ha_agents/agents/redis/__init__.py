"""redis: keep a redis-server instance running (``agent``, behind ``resource.d/redis``)."""
