"""schemathesis drives the live server from /api/v4/openapi.json with an owner's token: no answer is a 5xx, and
every answer conforms to the document (status code documented, content type, body schema).

Every operation gets a bounded number of generated cases (valid and invalid input), against the tenant's project,
with one package already uploaded so the package endpoints find something. The number tried is printed.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.packages_registry.helpers import artifacts_dir  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("artifacts_dir")]

EXAMPLES_PER_OPERATION_AND_MODE = 10


def test_no_generated_request_gets_a_5xx(live_server, tenant, capsys):
    headers = {"Authorization": f"Bearer {tenant.owner_token}"}
    seeded = requests.put(
        f"{live_server.url}/api/v4/projects/{tenant.project.pk}/packages/generic/seed/1.0/a.txt",
        data=b"seed\n",
        headers=headers,
        timeout=30,
    )
    assert seeded.status_code == 201
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v4/openapi.json")
    tried, statuses, server_errors, nonconforming = 0, {}, [], []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(mode, path_parameters={"project_ref": str(tenant.project.pk)})

            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def call(case):
                nonlocal tried
                response = case.call(base_url=live_server.url, headers=headers, timeout=30)
                tried += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    server_errors.append(f"{case.method} {case.formatted_path} → {response.status_code}")
                try:
                    case.validate_response(
                        response,
                        checks=[
                            status_code_conformance,
                            content_type_conformance,
                            response_schema_conformance,
                        ],
                    )
                except Exception as exc:  # schemathesis raises a group of check failures
                    found = [str(e)[:200] for e in getattr(exc, "exceptions", [exc])]
                    nonconforming.append(
                        f"{case.method} {case.formatted_path} {response.status_code}: {found}"
                    )

            call()
    with capsys.disabled():
        print(
            f"\nschemathesis: {tried} cases over {len(operations)} operations; statuses {sorted(statuses.items())}"
        )
    assert len(operations) == 15 and tried >= len(operations)
    assert server_errors == []
    assert nonconforming == []
