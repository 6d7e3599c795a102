"""Metric history: writes (services.py), reads (selectors.py) and chart data (charts.py).

The tables stay in candidates.models (CandidateMetric, CandidateLatestMetric); the code sits below the rest of
candidates: candidates.services, mlflow_api and pages call it, and it imports only the models, experiments and
projects.
"""
