"""User-facing errors.

Anything a user can get wrong (unknown task, bad file, invalid decoding config...) raises
``ParallelBenchError``; the CLI prints its message on one line and exits with code 2, so no
traceback from deep inside the library ever reaches the user.
"""


class ParallelBenchError(ValueError):
    """A problem with the user's input, named in the message."""


class ConfigError(ParallelBenchError):
    """An invalid configuration (decoding, sweep, task generation)."""


class DataError(ParallelBenchError):
    """A task file or prediction file that cannot be read."""


class FatalBackendError(ParallelBenchError):
    """A backend error that every further request would repeat (e.g. rejected credentials):
    the runner stops the whole run at once instead of recording it per sample."""


class CredentialsError(FatalBackendError):
    """An API rejected the key (HTTP 401/403); the message names the environment variable."""
