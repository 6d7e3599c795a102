"""The candidates table in Chromium: sticky name, tag/dataset columns, nested candidates, hide/pin, column choice
kept on the server, the Deleted view with restore. Data is seeded through the ORM (the API is tested elsewhere).

Screenshots: table-before.png was taken by the first version of this file on the code before issue 13."""

from urllib.parse import urlencode

import pytest

from candidates.models import Candidate, CandidateInput, CandidateMetadata, CandidateParam
from experiments.models import Lifecycle
from projects.mlflow_data import PARENT_RUN_TAG
from tests.e2e.conftest import sign_in
from tests.pages.conftest import add_metadata, exp_url, seed_experiment

pytestmark = pytest.mark.django_db(transaction=True)

XSS = '"><img src=x onerror=alert(1)>'


def seed(tenant):
    exp, cands = seed_experiment(tenant.project, name="table-e2e", candidates=12, user=tenant.owner)
    for i, c in enumerate(cands):
        add_metadata(c, owner=["ana", "bo", XSS][i % 3], team="vision-research-long-team-name")
    CandidateInput.objects.bulk_create(
        [
            CandidateInput(candidate=cands[11], name="mnist-train", digest="abc123def",
                           tags=[{"key": "mlflow.data.context", "value": "training"}]),
            CandidateInput(candidate=cands[10], name=XSS, digest="d2", tags=[]),
        ]
    )  # fmt: skip
    # cands[11] (the newest) is a parent of three children; cands[0] is deleted.
    CandidateMetadata.objects.bulk_create(
        [CandidateMetadata(candidate=c, name=PARENT_RUN_TAG, value=cands[11].eid_hex) for c in cands[7:10]]
    )
    Candidate.objects.filter(pk=cands[0].pk).update(lifecycle=Lifecycle.DELETED)
    CandidateParam.objects.filter(candidate=cands[2], name="opt").delete()  # grouped by opt: "(no value)"
    return exp, cands


def row_names(page, tbody="#view-rows"):
    return page.locator(f"{tbody} > tr td.name a.strong").all_inner_texts()


def test_candidates_table_features(page, tenant, screenshots):
    exp, cands = seed(tenant)
    sign_in(page, tenant.owner)
    url = exp_url(tenant, exp)
    page.set_viewport_size({"width": 1100, "height": 800})

    # Choose columns (tags, datasets): applying saves the choice on the server.
    page.goto(url)
    page.click(".columns-picker summary")
    page.check('input[name=col][value="tags.owner"]')
    page.check('input[name=col][value="tags.team"]')
    page.check('input[name=col][value="datasets"]')
    page.click("#filter-form button[type=submit]")
    page.wait_for_selector('th[data-key="tags.owner"]')
    page.goto(url)  # no col in the URL: the saved choice comes back
    page.wait_for_selector('th[data-key="tags.owner"]')
    headers = page.locator("#candidates thead th").all_inner_texts()
    kinds = [h.split("\n")[0].strip().lower() for h in headers[6:]]
    assert kinds[:2] == ["metric", "metric"] and "param" in kinds and kinds.index("param") > 1
    assert page.locator("td.datasets", has_text="mnist-train@abc123de (training)").count() == 1
    assert page.get_by_text(XSS, exact=True).count() >= 2  # tag and dataset name show literally

    page.screenshot(path=str(screenshots / "table-after.png"))

    # Sort by tag (a header click: descending first), then ascending: '"><img' < 'ana' < 'bo'.
    page.locator('th[data-key="tags.owner"] a').click()
    page.wait_for_selector('th[data-key="tags.owner"][aria-sort="descending"]')
    page.locator('th[data-key="tags.owner"] a').click()
    page.wait_for_selector('th[data-key="tags.owner"][aria-sort="ascending"]')
    owners = page.locator("#view-rows > tr td.tag").all_inner_texts()[::2]
    assert owners[0] == XSS and owners[-1] == "bo"

    # Sticky name: scrolled fully right, the name column is still where it was.
    wrap = page.locator(".table-wrap")
    before = page.locator("#view-rows tr td.name").first.bounding_box()
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert wrap.evaluate("el => el.scrollLeft") > 0
    after = page.locator("#view-rows tr td.name").first.bounding_box()
    assert abs(after["x"] - before["x"]) < 1
    name = page.locator("#view-rows tr td.name a.strong").first
    assert name.evaluate("a => a.getClientRects().length") == 1  # one line box: the name does not wrap
    assert name.evaluate("a => a.getBoundingClientRect().height") < 30
    page.screenshot(path=str(screenshots / "table-after-scrolled.png"))
    wrap.evaluate("el => { el.scrollLeft = 0; }")

    # Nested: the parent shows its children on expand (loaded from the fragment endpoint), and folds them again.
    page.goto(url + "?nest=1")
    parent = page.locator("#view-rows > tr", has_text="run-011")
    button = parent.locator("button.expand")
    assert button.inner_text().strip().endswith("3")
    assert "run-008" not in row_names(page)
    button.click()
    page.wait_for_selector("tr.child")
    assert page.locator("tr.child td.name a.strong").all_inner_texts() == ["run-009", "run-008", "run-007"]
    page.screenshot(path=str(screenshots / "table-nested-expanded.png"))
    page.locator("tr.child input[name=c]").first.check()
    assert page.locator("#selection-count").inner_text() == "1 selected"
    button.click()
    assert page.locator("tr.child:visible").count() == 0

    # Filtered, the tree is filtered too: run-011 (adam) keeps its adam children only.
    page.goto(url + "?" + urlencode({"nest": "1", "filter": "params.opt = 'adam'"}))
    button = page.locator("#view-rows > tr", has_text="run-011").locator("button.expand")
    assert button.inner_text().strip().endswith("2")
    button.click()
    page.wait_for_selector("tr.child")
    assert page.locator("tr.child td.name a.strong").all_inner_texts() == ["run-009", "run-007"]
    page.screenshot(path=str(screenshots / "table-nested-filtered.png"))

    # Group by a param: per value, the count and the best loss / acc; a value's link filters the table.
    page.goto(url)
    page.select_option("#group-by", "opt")
    page.click("#filter-form button[type=submit]")
    page.wait_for_selector("#groups-table")
    assert page.locator("#groups-table tbody tr").count() == 3  # adam, sgd, and run-002 without opt
    assert page.locator("#groups-table tr[data-missing] td.param").inner_text() == "(no value)"
    page.screenshot(path=str(screenshots / "table-grouped.png"))
    page.locator('#groups-table tr[data-value="adam"] a').click()
    page.wait_for_url("**filter=**")
    assert all(int(n.split("-")[1]) % 2 == 1 for n in row_names(page))

    # Pin and hide through the toolbar: kept for this person after a reload.
    page.goto(url)
    page.locator("#view-rows > tr", has_text="run-003").locator("input[name=c]").check()
    page.click("#pin-btn")
    page.wait_for_selector("#pinned-rows")
    page.locator("#view-rows > tr", has_text="run-004").locator("input[name=c]").check()
    page.click("#hide-btn")
    page.wait_for_selector("#hidden-toggle")
    page.reload()
    assert row_names(page, "#pinned-rows") == ["run-003"]
    assert "run-004" not in row_names(page) and "run-003" not in row_names(page)
    page.screenshot(path=str(screenshots / "table-pinned-hidden.png"))

    # Deleted view and restore.
    page.click("#view-deleted")
    page.wait_for_selector("#restore-btn")
    assert row_names(page) == ["run-000"]
    page.locator("#view-rows > tr", has_text="run-000").locator("input[name=c]").check()
    page.screenshot(path=str(screenshots / "table-deleted-view.png"))
    page.click("#restore-btn")
    page.wait_for_selector(".messages")
    assert "Restored 1 candidate." in page.locator(".messages").inner_text()
    assert Candidate.objects.get(pk=cands[0].pk).lifecycle == Lifecycle.ACTIVE

    assert not [d for d in page.dialogs if d[0] == "alert"], page.dialogs


def test_reporter_sees_no_restore_button(page, tenant):
    exp, _ = seed(tenant)
    sign_in(page, tenant.reporter)
    page.goto(exp_url(tenant, exp) + "?view=deleted")
    assert row_names(page) == ["run-000"]
    assert page.locator("#restore-btn").count() == 0
