"""Qt-free core of PrivDesk: every stage of the pipeline as plain functions over plain data.

Nothing under this package may import Qt (tests/core/test_layering.py checks it).
"""
