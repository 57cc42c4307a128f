"""Dialogs that run a whole task of their own (export, re-identification)."""
