"""The JEP advice-line assistant: answers questions about youth work and its partners."""

__version__ = "0.1.0"
