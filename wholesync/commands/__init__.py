"""The ``wholesync`` subcommands beyond the simulator and demo: thin shells over sync and hub."""
