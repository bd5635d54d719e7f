"""The scale benchmark of `make bench`: run its scripts as modules from the project root."""
