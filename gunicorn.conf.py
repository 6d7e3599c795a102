"""gunicorn settings every launch from the project root picks up (scripts/serve, .ci/acceptance, bench).

Command-line flags still win; this file only holds what must hold for every deployment.
"""

# MLflow's GET endpoints carry lists in the query string: the UI's get-history-bulk-interval sends up to 100
# run ids (about 4.2 KB), over gunicorn's default request-line limit of 4094 bytes, which answered an HTML 400
# before Django saw the request. 8190 is gunicorn's maximum.
limit_request_line = 8190
