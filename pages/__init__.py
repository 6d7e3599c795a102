"""The dashboard's pages: views, their URLs and the reads that cross apps (a candidate's CI job, package and
model versions; experiments with their candidates' counts). Sits above the domain apps, which never import it;
of mlflow_api it may use the search grammar only (the candidate table's filter box speaks MLflow's filter).
Templates stay under their app's name (templates/candidates/, templates/experiments/).
"""
