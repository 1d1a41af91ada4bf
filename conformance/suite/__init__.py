"""The conformance suite as pytest tests: `pytest --pyargs conformance.suite --conformance-target URL`."""
