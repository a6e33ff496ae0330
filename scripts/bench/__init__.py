"""Measurement: `make bench` (`python -m scripts.bench`: the shop's figures beside their
targets), what the chaos switches and tracing cost (`flags`, `otel`), and `make load` (`load`)."""
