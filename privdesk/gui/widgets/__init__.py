"""Reusable widgets and dialogs of the PrivDesk window."""
