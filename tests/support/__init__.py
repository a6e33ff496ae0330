"""Helpers shared by the test suites: servers, functions, namespaces."""
