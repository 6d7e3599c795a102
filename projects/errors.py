"""Domain errors shared by every app. Services raise them; each API edge maps them once to its wire format."""


class DomainError(Exception):
    """Base class; `message` is safe to show to the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    pass


class AlreadyExistsError(DomainError):
    pass


class InvalidValueError(DomainError):
    pass


class InvalidStateError(DomainError):
    pass


class LimitExceededError(InvalidValueError):
    pass
