"""ha_agents.wire: Heartbeat 3.0.6's datagrams, byte for byte (pure code, no I/O).

* :mod:`.codec`    datagram bytes <-> :class:`~.codec.Message` (netstring and classic)
* :mod:`.auth`     crc / HMAC-md5 / HMAC-sha1 / HMAC-sha256 signing and strict verification
* :mod:`.messages` typed v1 messages in Heartbeat's field order, envelope, parsers
* :mod:`.pcap`     UDP datagrams out of pcap/pcapng captures (for ``ha-agents decode``)
* :mod:`.errors`   :class:`~.errors.WireError` and its stable ``reason`` strings
"""
