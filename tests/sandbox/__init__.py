"""A stand-alone imitation of the InterNetX AutoDNS JSON API for tests and demos.

Start it with ``python -m tests.sandbox`` from the collection root; see README.md.
"""
