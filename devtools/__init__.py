"""Tools for developers and operators: the replay server, the bundled-snapshot builder and the synthetic snapshot generator."""
