"""Python mocks of the seed API in web frameworks, judged in-process through `conformance run --app`."""
