"""What a new user's sklearn script logs through the real MLflow 3 client (issue 14), for the candidate page
tests: params, metric history, system-like metrics, a description, git source tags, a directory of artifacts,
CSV/JSON/HTML files, an image series via log_image, a figure via log_figure, an sklearn model (logged model)
registered as a model version, and a child run."""

from __future__ import annotations

import json
from pathlib import Path

XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
# Script in the sandboxed frame: it runs, but can reach neither the parent page nor our cookies.
HTML_PROBE = (
    "<html><body><h1>Report</h1><script>var r = [];"
    "try { r.push('parent:' + parent.document.cookie); } catch (e) { r.push('parent-blocked'); }"
    "try { r.push('cookie:' + document.cookie); } catch (e) { r.push('cookie-blocked'); }"
    "document.body.setAttribute('data-result', r.join(','));</script></body></html>"
)
DESCRIPTION = "# Baseline\n\nA **logistic regression** on iris.\n\n- 50 steps\n- `C=0.5`\n"
REPO_URL = "https://github.com/acme/vision.git"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def log_sklearn_run(tmp_path: Path, *, experiment_name: str = "iris", description: str = DESCRIPTION) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mlflow
    import numpy as np
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    mlflow.set_experiment(experiment_name)
    X, y = load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run(run_name="baseline") as run:
        mlflow.set_tags(
            {
                "mlflow.note.content": description,
                "mlflow.source.git.commit": COMMIT,
                "mlflow.source.git.repoURL": REPO_URL,
            }
        )
        mlflow.log_params({"C": "0.5", "solver": "lbfgs"})
        for step in range(50):
            mlflow.log_metrics({"loss": 1 / (1 + step), "accuracy": 0.5 + step / 100}, step=step)
            mlflow.log_metric("system/cpu_utilization_percentage", 20 + step % 7, step=step)
        mlflow.log_metric("system/system_memory_usage_megabytes", 812.5, step=0)

        out = tmp_path / "outputs"
        (out / "reports" / "deep").mkdir(parents=True)
        (out / "reports" / "summary.txt").write_text("all good\n")
        (out / "reports" / "deep" / "notes.md").write_text("# notes\n")
        (out / "config.yaml").write_text("lr: 0.1\nlayers: [1, 2]\n")
        mlflow.log_artifacts(str(out), artifact_path="outputs")
        csv_file = tmp_path / "predictions.csv"
        csv_file.write_text("id,label,score\n" + "".join(f"{i},setosa,{i / 10}\n" for i in range(30)))
        mlflow.log_artifact(str(csv_file))
        mlflow.log_dict({"classes": ["setosa", "versicolor"], "threshold": 0.5}, "eval/metrics.json")
        html = tmp_path / "report.html"
        html.write_text(HTML_PROBE)
        mlflow.log_artifact(str(html))
        for step in range(3):
            image = np.zeros((16, 16, 3), dtype=np.uint8)
            image[:, :, 0] = 80 + 80 * step  # a red that deepens with the step over a green gradient
            image[:, :, 1] = np.linspace(0, 255, 16, dtype=np.uint8)[None, :]
            image[: 4 + 4 * step, :, 2] = 200
            mlflow.log_image(image, key="samples", step=step)
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1, 2], [2, 1, 3])
        mlflow.log_figure(fig, "figures/curve.png")
        plt.close(fig)

        model = LogisticRegression(C=0.5, max_iter=200).fit(X, y)
        # An explicit signature and requirements: inferring them spawns a Python subprocess (slow in tests).
        signature = mlflow.models.infer_signature(X.iloc[:5], model.predict(X.iloc[:5]))
        info = mlflow.sklearn.log_model(
            model, name="iris-model", signature=signature, pip_requirements=["scikit-learn"]
        )
        version = mlflow.register_model(info.model_uri, "iris-classifier")
        with mlflow.start_run(run_name="child-fold-1", nested=True) as child:
            mlflow.log_metric("loss", 0.3)
    return {
        "run_id": run.info.run_id,
        "child_run_id": child.info.run_id,
        "model_id": info.model_id,
        "version": version.version,
        "meta_json": json.dumps({"model": info.model_id}),
    }
