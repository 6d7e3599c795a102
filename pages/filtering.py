"""The dashboard's filter box speaks MLflow's run filter language through the one grammar
(mlflow_api.search_grammar): the only thing pages take from mlflow_api, imported here once so that every page
module (table, fragments, Performance tab) gets it without importing another page module."""

from mlflow_api.search_grammar import candidate_filter_parse

__all__ = ["candidate_filter_parse"]
