"""The migrations, ``NNNN_name.py``, one per schema change in the order they apply. They
read as history: the modules a migration mentions are named as they were in its day.
"""
