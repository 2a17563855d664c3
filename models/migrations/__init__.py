"""Alembic's environment (``env``, run on the engine ``models.migrate`` hands over) and
``versions/``, one migration per schema change, numbered in order.

A migration may import ``models`` (and what it needs to move data, such as Babel's
currency digits), never ``workflows`` or ``bot``: it must still run when they change.
"""
