"""The aggregator: harvests open-government sources into the YAML snapshot
in `content/data/`. The only part of the portal that touches the network."""
