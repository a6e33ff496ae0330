"""The local stack: the servers, the functions, the dev broker, nginx and Prometheus that
`make run`, the tests and the bench start, and the machine's set-up. Dev-only."""
