"""What people read: text tables, plots, the story page and output files."""
