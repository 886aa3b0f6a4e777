"""A randomized cluster test in the spirit of Heartbeat's CTS (issue 17).

A two-node cluster (a VIP and a web server answering its node name, as one haresources
group) runs in lab namespaces, either as ha_agents nodes or as real Heartbeat 3.0.6 nodes
(one small interface, tests/cts/nodes.py).  A seed picks a sequence of test kinds
(tests/cts/kinds.py); after each step the audits of tests/cts/audits.py check the cluster
with deadlines; tests/cts/driver.py runs the sequence and records every step.
``bench/cts.py`` runs a few hundred steps per system; tests/cts/test_cts.py a short run.
"""
