"""Links candidates to the CI job that produced them (filled in by the CI issue)."""


def ci_link_candidate_from_metadata(*, candidate_id: int, names: list[str]) -> None:
    """Called by candidates.services after metadata (tags) were written; names are the tag keys just set.

    Must never raise into the MLflow call that set the tag and must not block on the network.
    """
    return None
