"""Tools that sit beside the build: scaffold, stats, diff, preview and serve, insights."""
