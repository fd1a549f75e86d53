"""Modules that serve one chapter each (a few are reused later); each docstring opens
with its chapter. They build on the core modules of ``dlbook``, never the reverse."""
