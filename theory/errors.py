"""The one error type for bad input; the CLI maps it to exit code 2."""


class InstanceError(ValueError):
    """Raised for malformed or out-of-range input; the message names the field and index."""
