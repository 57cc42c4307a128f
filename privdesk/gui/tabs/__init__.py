"""One widget per pipeline stage, shown as the main window's tabs."""
