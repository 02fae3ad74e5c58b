"""loglizer's classic detectors on event-count vectors, and SBERT + logistic regression.

Settings are loglizer's (github.com/logpai/loglizer, models/*.py): LR with C=100, linear SVM with
an L1 penalty, a Gini decision tree, Isolation Forest with the training anomaly rate as its
contamination, PCA with the Q-statistic (SPE) threshold at alpha = 0.001, and Invariant Mining
(Lou et al., ATC 2010: 98 % of windows, epsilon 0.5, scales 1-3). The unsupervised three give
binary answers; on the 4-class task a flagged line is given the commonest anomalous class.
"""

from __future__ import annotations

from itertools import combinations

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
        x = self._x(f, train)
        if self.name == "iforest":
            rate = min(max(len(anomalous) / len(y), 1e-4), 0.5)
            self.model = IsolationForest(n_estimators=100, contamination=rate, random_state=seed).fit(x)
        else:
            self.model = (_PCA() if self.name == "pca" else _Invariants()).fit(x)

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        x = self._x(f, rows)
        flagged = self.model.predict(x) == -1 if self.name == "iforest" else self.model.outliers(x)
        return np.where(flagged, self.flag_class, 0).astype(np.int64)

    def _x(self, f: Features, rows: np.ndarray) -> sp.csr_matrix:
        x = f.event_counts(rows)
        return x[:, :f.n_templates] if self.name == "im" else x  # im: the window's counts, as loglizer's


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


class _Invariants:
    """Invariant Mining: sparse integer linear relations that (almost) every training window's event
    counts satisfy; a window that breaks one, or holds an event training never saw, is flagged.

    The search is loglizer's (apriori over column sets of growing size, the smallest eigenvector of
    the sub-Gram matrix scaled to small integers, stop at the estimated invariant-space dimension),
    restricted to columns that co-occur: otherwise the sub-Gram matrix is block-diagonal, its smallest
    eigenvector has zero entries and loglizer rejects the candidate anyway. `max_candidates` bounds
    the work on logs with thousands of templates.
    """

    def fit(self, x: sp.csr_matrix, percentage: float = 0.98, epsilon: float = 0.5, longest: int = 3,
            scales: tuple[int, ...] = (1, 2, 3), max_candidates: int = 200_000) -> "_Invariants":
        self.percentage = percentage
        used = np.asarray((x > 0).sum(axis=0)).ravel()
        self.unseen = used == 0  # one-column invariants: these events never happen
        self.keep = np.nonzero(~self.unseen)[0]
        x = x[:, self.keep].tocsc().astype(np.float64)
        gram = np.asarray((x.T @ x).todense())  # (m, m)
        self.invariants: list[tuple[np.ndarray, np.ndarray]] = []  # (columns into keep, integer weights)
        r = self._dimension(x, gram, epsilon)
        together = gram > 0
        found: set[tuple[int, ...]] = set()
        tried = 0
        for size in range(2, longest + 1):
            for cols in self._candidates(together, size, found):
                tried += 1
                if len(self.invariants) >= r or tried > max_candidates:
                    return self
                theta = self._theta(x, gram, cols, scales)
                if theta is not None:
                    self.invariants.append((np.array(cols), theta))
                    found.add(cols)
        return self

    def outliers(self, x: sp.csr_matrix) -> np.ndarray:
        flagged = np.asarray(x[:, np.nonzero(self.unseen)[0]].sum(axis=1)).ravel() > 0
        kept = x[:, self.keep].tocsc()
        for cols, theta in self.invariants:
            flagged |= np.abs(np.asarray(kept[:, cols] @ theta).ravel()) > 1e-6
        return flagged

    def _dimension(self, x: sp.csc_matrix, gram: np.ndarray, epsilon: float) -> int:
        """How many directions (smallest singular first) nearly every window is orthogonal to."""
        _, vectors = np.linalg.eigh(gram)  # ascending eigenvalues
        r = 0
        for i in range(vectors.shape[1]):
            if np.mean(np.abs(x @ vectors[:, i]) < epsilon) < self.percentage:
                break
            r += 1
        return r

    @staticmethod
    def _candidates(together: np.ndarray, size: int, found: set):
        """Column sets of `size` whose columns all co-occur and that hold no invariant found already."""
        m = len(together)
        if size == 2:
            for i, j in zip(*np.nonzero(np.triu(together, 1))):
                yield int(i), int(j)
            return
        for i in range(m):
            partners = [j for j in np.nonzero(together[i])[0] if j > i]
            for rest in combinations(partners, size - 1):
                if all(together[a, b] for a, b in combinations(rest, 2)):
                    cols = (i, *map(int, rest))
                    if not any(sub in found for k in range(2, size) for sub in combinations(cols, k)):
                        yield cols

    def _theta(self, x: sp.csc_matrix, gram: np.ndarray, cols: tuple[int, ...],
               scales: tuple[int, ...]) -> np.ndarray | None:
        """Integer weights that `percentage` of the windows satisfy exactly, or None."""
        _, vectors = np.linalg.eigh(gram[np.ix_(cols, cols)])
        v = vectors[:, 0]
        if np.any(np.abs(v) < 1e-6):
            return None
        sub = x[:, list(cols)]
        smallest = int(np.argmin(np.abs(v)))
        for scale in scales:
            theta = np.round(v * scale / v[smallest])
            theta[smallest] = scale
            if np.any(theta == 0):
                continue
            broken = np.count_nonzero(np.abs(sub @ theta) > 1e-8)  # windows without these events hold it
            if x.shape[0] - broken >= self.percentage * x.shape[0]:
                return theta
        return None


def classic_methods() -> dict:
    return {
        "lr": lambda: Supervised("lr", lambda seed: LogisticRegression(C=100, tol=0.01, max_iter=1000)),
        "svm": lambda: Supervised("svm", lambda seed: LinearSVC(penalty="l1", tol=0.1, C=1, dual=False,
                                                                max_iter=5000, random_state=seed)),
        "dt": lambda: Supervised("dt", lambda seed: DecisionTreeClassifier(criterion="gini", random_state=seed)),
        "iforest": lambda: Unsupervised("iforest"),
        "pca": lambda: Unsupervised("pca"),
        "im": lambda: Unsupervised("im"),
        "sbert_lr": lambda: Supervised("sbert_lr", lambda seed: LogisticRegression(max_iter=2000), on="sbert"),
    }
