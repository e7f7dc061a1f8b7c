"""The scenario library: one TOML file per named what-if (read by :mod:`simcomm.runs.library`)."""
