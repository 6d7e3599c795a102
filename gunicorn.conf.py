"""gunicorn settings every launch from the project root picks up (scripts/serve, .ci/acceptance, bench).

Command-line flags still win; this file only holds what must hold for every deployment.
"""

# MLflow's GET endpoints carry lists in the query string (the UI's get-history-bulk-interval: 100 run ids), and
# mlflow server answers GETs of 9 KB and more. gunicorn caps its request-line limit at 8190 bytes and refuses with
# an HTML 400, so it is off (0) and Django refuses a URL over ASSAY_MAX_URL_LENGTH in the API's own error shape
# (config.errors.UrlLengthMiddleware). Put a proxy limit in front if untrusted clients can reach gunicorn.
limit_request_line = 0
