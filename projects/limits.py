"""MLflow's length limits on entity fields, with its wording, shared by the services that store them (runs, logged
models, traces)."""

from .errors import InvalidValueError

MAX_ENTITY_KEY_LENGTH = 250  # tag, param and metadata keys (MLflow's MAX_ENTITY_KEY_LENGTH)


def length_check(value: str, limit: int, what: str) -> str:
    """MLflow's wording (mlflow.utils.validation.exceeds_maximum_length) for a value longer than its column."""
    if len(value) > limit:
        raise InvalidValueError(f"'{what}' exceeds the maximum length of {limit} characters")
    return value


def keys_check(pairs: dict[str, str] | None, what: str) -> None:
    """Every key of `pairs` present and at most MAX_ENTITY_KEY_LENGTH long (`what`: the field, e.g. "tags")."""
    for key in pairs or {}:
        if not key:
            raise InvalidValueError(f"Missing value for required parameter '{what}.key'.")
        length_check(key, MAX_ENTITY_KEY_LENGTH, f"{what}.key")
