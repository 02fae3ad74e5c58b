"""loglizer's classic detectors on event-count vectors, and SBERT + logistic regression.

Settings are loglizer's (github.com/logpai/loglizer, models/*.py): LR with C=100, linear SVM with
an L1 penalty, a Gini decision tree, Isolation Forest with the training anomaly rate as its
contamination, and PCA with the Q-statistic (SPE) threshold at alpha = 0.001. The unsupervised two
give binary answers; on the 4-class task a flagged line is given the commonest anomalous class.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from colog.baselines.features import Features


class Supervised:
    """A scikit-learn classifier on event counts (or on the line's SBERT vector)."""

    def __init__(self, name: str, make, on: str = "events"):
        self.name, self._make, self.on = name, make, on

    def _x(self, f: Features, rows: np.ndarray):
        return f.event_counts(rows) if self.on == "events" else f.line_vectors(rows)

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray, seed: int) -> None:
        self.model = self._make(seed)
        self.model.fit(self._x(f, train), f.labels[train])

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        return self.model.predict(self._x(f, rows)).astype(np.int64)


class Unsupervised:
    """Fitted on the training lines without their labels; flags outliers."""

    def __init__(self, name: str):
        self.name = name

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray, seed: int) -> None:
        y = f.labels[train]
        anomalous = y[y != 0]
        self.flag_class = int(np.bincount(anomalous).argmax()) if len(anomalous) else 1
        x = f.event_counts(train)
        if self.name == "iforest":
            rate = min(max(len(anomalous) / len(y), 1e-4), 0.5)
            self.model = IsolationForest(n_estimators=100, contamination=rate, random_state=seed).fit(x)
        else:
            self.pca = _PCA().fit(x)

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        x = f.event_counts(rows)
        flagged = self.model.predict(x) == -1 if self.name == "iforest" else self.pca.outliers(x)
        return np.where(flagged, self.flag_class, 0).astype(np.int64)


class _PCA:
    """loglizer's PCA detector: tf-idf, zero mean, the components of 95 % variance as the normal space.

    Kept sparse: the covariance is X'X/n - mean mean', so memory is O(templates^2), not O(lines x templates).
    """

    def fit(self, x: sp.csr_matrix, n_components: float = 0.95, c_alpha: float = 3.2905) -> "_PCA":
        n = x.shape[0]
        used = np.asarray((x > 0).sum(axis=0)).ravel()
        self.keep = np.nonzero(used)[0]  # columns training ever used
        self.idf = np.log(n / used[self.keep])
        x = self._tfidf(x)
        self.mean = np.asarray(x.mean(axis=0)).ravel()
        cov = np.asarray((x.T @ x).todense()) / n - np.outer(self.mean, self.mean)
        eigval, eigvec = np.linalg.eigh(cov)
        eigval, eigvec = eigval[::-1].clip(min=0), eigvec[:, ::-1]
        k = int(np.searchsorted(np.cumsum(eigval) / (eigval.sum() or 1.0), n_components) + 1)
        p = eigvec[:, :k]
        self.residual = np.eye(len(cov)) - p @ p.T
        phi = [np.sum(eigval[k:] ** i) for i in (1, 2, 3)]
        h0 = 1.0 - 2 * phi[0] * phi[2] / (3.0 * phi[1] ** 2) if phi[1] > 0 else 1.0
        self.threshold = (phi[0] * (c_alpha * np.sqrt(2 * phi[1] * h0 ** 2) / phi[0] + 1.0
                                    + phi[1] * h0 * (h0 - 1.0) / phi[0] ** 2) ** (1.0 / h0)) if phi[0] > 0 else 0.0
        return self

    def outliers(self, x: sp.csr_matrix) -> np.ndarray:
        y = np.asarray(self._tfidf(x) @ self.residual) - self.mean @ self.residual  # SPE of the residual part
        return (y ** 2).sum(axis=1) > self.threshold

    def _tfidf(self, x: sp.csr_matrix) -> sp.csr_matrix:
        return (x[:, self.keep] @ sp.diags(self.idf)).tocsr()


def classic_methods() -> dict:
    return {
        "lr": lambda: Supervised("lr", lambda seed: LogisticRegression(C=100, tol=0.01, max_iter=1000)),
        "svm": lambda: Supervised("svm", lambda seed: LinearSVC(penalty="l1", tol=0.1, C=1, dual=False,
                                                                max_iter=5000, random_state=seed)),
        "dt": lambda: Supervised("dt", lambda seed: DecisionTreeClassifier(criterion="gini", random_state=seed)),
        "iforest": lambda: Unsupervised("iforest"),
        "pca": lambda: Unsupervised("pca"),
        "sbert_lr": lambda: Supervised("sbert_lr", lambda seed: LogisticRegression(max_iter=2000), on="sbert"),
    }
