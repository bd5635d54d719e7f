"""Developer tools and proof apparatus: the tests and Makefile targets import them.

The product package that `make run` uses, stedi_lakehouse, never does.
"""
