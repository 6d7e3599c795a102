"""Candidates made through the ORM, so these tests do not depend on the tracking services' progress."""

from candidates.models import Candidate, CandidateMetadata
from experiments.models import Experiment

GITLAB_TAGS = {
    "gitlab.CI_JOB_ID": "501",
    "gitlab.CI_JOB_URL": "https://gitlab.example.com/acme/vision/-/jobs/501",
    "gitlab.CI_PIPELINE_ID": "1501",
    "gitlab.CI_COMMIT_SHA": "0ff3ae198f8601a285adcf5c0fff204ee6fba5fd",
    "gitlab.CI_COMMIT_REF_NAME": "tune-lr",
    "gitlab.CI_MERGE_REQUEST_IID": "7",
    "gitlab.CI_PROJECT_ID": "45",
    "gitlab.CI_PROJECT_URL": "https://gitlab.example.com/acme/vision",
    "gitlab.GITLAB_USER_LOGIN": "root",
}


def candidate_make(project, *, tags: dict | None = None):
    experiment, _ = Experiment.objects.get_or_create(
        project=project, name="ci", defaults={"iid": Experiment.objects.filter(project=project).count() + 1}
    )
    iid = experiment.candidates.count() + 1
    candidate = Candidate.objects.create(experiment=experiment, project=project, iid=iid, name=f"run-{iid}")
    for name, value in (tags or {}).items():
        CandidateMetadata.objects.update_or_create(candidate=candidate, name=name, defaults={"value": value})
    return candidate
