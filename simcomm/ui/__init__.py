"""What people use: the ``simcomm`` command line (Click) and the trainer's dashboard (SolaraViz)."""
