"""Importing the association's guide documents: reading, cleaning, structuring."""
