"""Curbside: structured, cited answers to clinical questions on drug-induced neutropenia."""

__version__ = "0.1.0"
