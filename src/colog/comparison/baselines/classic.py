"""loglizer's classic detectors on event-count vectors, k-nearest neighbours, and SBERT + logistic regression.

Settings are loglizer's (github.com/logpai/loglizer, models/*.py): LR with C=100, linear SVM with
an L1 penalty, a Gini decision tree, Isolation Forest with the training anomaly rate as its
contamination, PCA with the Q-statistic (SPE) threshold at alpha = 0.001, and Invariant Mining
(Lou et al., ATC 2010: 98 % of windows, epsilon 0.5, scales 1-3). The unsupervised three give
binary answers; on the 4-class task a flagged line is given the commonest anomalous class. k-nearest
neighbours (k=5) on the same vectors: LightAD (Wang et al., ICSE 2024) found it matches deep
detectors at a fraction of their cost.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from colog.comparison.baselines.features import Features


class Supervised:
    """A scikit-learn classifier on event counts (or on the line's SBERT vector). It has no epochs to choose, so
    the validation rows go unused."""

    def __init__(self, name: str, make, on: str = "events", seed: int = 0):
        self.name, self.make, self.on, self.seed = name, make, on, seed

    def _x(self, f: Features, rows: np.ndarray):
        return f.event_counts(rows) if self.on == "events" else f.line_vectors(rows)

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray | None = None) -> "Supervised":
        self.model_ = self.make(self.seed).fit(self._x(f, train), f.labels[train])
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._x(f, rows)).astype(np.int64)


class Neighbours:
    """k-nearest neighbours on event counts. Windows repeat, so it is fitted on the distinct (vector, label) pairs,
    each weighted by how often it occurs, and asked once per distinct vector: the same answers, far fewer
    distances. No epochs to choose: the validation rows go unused."""

    def __init__(self, name: str = "knn", k: int = 5, seed: int = 0):
        self.name, self.k, self.seed = name, k, seed

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray | None = None) -> "Neighbours":
        x, inverse = _distinct(f.event_counts(train))
        pairs, counts = np.unique(np.column_stack([inverse, f.labels[train]]), axis=0, return_counts=True)
        self.x_, self.y_, self.weight_ = x[pairs[:, 0]], pairs[:, 1], counts
        self.n_classes_ = len(f.data.class_names)
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        from sklearn.neighbors import NearestNeighbors

        x, inverse = _distinct(f.event_counts(rows))
        k = min(self.k, self.x_.shape[0])
        distance, index = NearestNeighbors(n_neighbors=k).fit(self.x_).kneighbors(x)
        votes = np.zeros((x.shape[0], self.n_classes_))
        for j in range(k):  # each neighbour votes with its count of training lines
            np.add.at(votes, (np.arange(x.shape[0]), self.y_[index[:, j]]), self.weight_[index[:, j]])
        return votes.argmax(1).astype(np.int64)[inverse]


def _distinct(x: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """The distinct rows of `x` and each row's position among them (rows compared sparse, never densified)."""
    x = x.tocsr()
    x.sort_indices()
    ids: dict[tuple[bytes, bytes], int] = {}
    inverse = np.fromiter((ids.setdefault((x.indices[a:b].tobytes(), x.data[a:b].tobytes()), len(ids))
                           for a, b in zip(x.indptr[:-1], x.indptr[1:])), dtype=np.int64, count=x.shape[0])
    first = np.unique(inverse, return_index=True)[1]
    return x[first], inverse


class Unsupervised:
    """Fitted on the training lines without their labels (but for the anomaly rate Isolation Forest expects and
    the class a flag is given); flags outliers. No epochs to choose: the validation rows go unused."""

    def __init__(self, name: str, seed: int = 0):
        self.name, self.seed = name, seed

    def fit(self, f: Features, train: np.ndarray, valid: np.ndarray | None = None) -> "Unsupervised":
        y = f.labels[train]
        anomalous = y[y != 0]
        self.flag_class_ = int(np.bincount(anomalous).argmax()) if len(anomalous) else 1
        x = self._x(f, train)
        if self.name == "iforest":
            rate = min(max(len(anomalous) / len(y), 1e-4), 0.5)
            self.model_ = IsolationForest(n_estimators=100, contamination=rate, random_state=self.seed).fit(x)
        else:
            self.model_ = (_PCA() if self.name == "pca" else _Invariants()).fit(x)
        return self

    def predict(self, f: Features, rows: np.ndarray) -> np.ndarray:
        x = self._x(f, rows)
        flagged = self.model_.predict(x) == -1 if self.name == "iforest" else self.model_.outliers(x)
        return np.where(flagged, self.flag_class_, 0).astype(np.int64)

    def _x(self, f: Features, rows: np.ndarray) -> sp.csr_matrix:
        x = f.event_counts(rows)
        return x[:, :f.n_templates] if self.name == "im" else x  # im: the window's counts, as loglizer's


class _PCA:
    """loglizer's PCA detector: tf-idf, zero mean, the components of 95 % variance as the normal space.

    Kept sparse: the covariance is X'X/n - mean mean', so memory is O(templates^2), not O(lines x templates).
    """

    def __init__(self, n_components: float = 0.95, c_alpha: float = 3.2905):
        self.n_components, self.c_alpha = n_components, c_alpha

    def fit(self, x: sp.csr_matrix) -> "_PCA":
        n = x.shape[0]
        used = np.asarray((x > 0).sum(axis=0)).ravel()
        self.keep_ = np.nonzero(used)[0]  # columns training ever used
        self.idf_ = np.log(n / used[self.keep_])
        x = self._tfidf(x)
        self.mean_ = np.asarray(x.mean(axis=0)).ravel()
        cov = np.asarray((x.T @ x).todense()) / n - np.outer(self.mean_, self.mean_)
        eigval, eigvec = np.linalg.eigh(cov)
        eigval, eigvec = eigval[::-1].clip(min=0), eigvec[:, ::-1]
        k = int(np.searchsorted(np.cumsum(eigval) / (eigval.sum() or 1.0), self.n_components) + 1)
        p = eigvec[:, :k]
        self.residual_ = np.eye(len(cov)) - p @ p.T
        phi = [np.sum(eigval[k:] ** i) for i in (1, 2, 3)]
        h0 = 1.0 - 2 * phi[0] * phi[2] / (3.0 * phi[1] ** 2) if phi[1] > 0 else 1.0
        self.threshold_ = (phi[0] * (self.c_alpha * np.sqrt(2 * phi[1] * h0 ** 2) / phi[0] + 1.0
                                     + phi[1] * h0 * (h0 - 1.0) / phi[0] ** 2) ** (1.0 / h0)) if phi[0] > 0 else 0.0
        return self

    def outliers(self, x: sp.csr_matrix) -> np.ndarray:
        y = np.asarray(self._tfidf(x) @ self.residual_) - self.mean_ @ self.residual_  # SPE of the residual part
        return (y ** 2).sum(axis=1) > self.threshold_

    def _tfidf(self, x: sp.csr_matrix) -> sp.csr_matrix:
        return (x[:, self.keep_] @ sp.diags(self.idf_)).tocsr()


class _Invariants:
    """Invariant Mining: sparse integer linear relations that (almost) every training window's event
    counts satisfy; a window that breaks one, or holds an event training never saw, is flagged.

    The search is loglizer's (apriori over column sets of growing size, the smallest eigenvector of
    the sub-Gram matrix scaled to small integers, stop at the estimated invariant-space dimension),
    restricted to columns that co-occur: otherwise the sub-Gram matrix is block-diagonal, its smallest
    eigenvector has zero entries and loglizer rejects the candidate anyway. `max_candidates` bounds
    the work on logs with thousands of templates.
    """

    def __init__(self, percentage: float = 0.98, epsilon: float = 0.5, longest: int = 3,
                 scales: tuple[int, ...] = (1, 2, 3), max_candidates: int = 200_000):
        self.percentage, self.epsilon, self.longest = percentage, epsilon, longest
        self.scales, self.max_candidates = scales, max_candidates

    def fit(self, x: sp.csr_matrix) -> "_Invariants":
        used = np.asarray((x > 0).sum(axis=0)).ravel()
        self.unseen_ = used == 0  # one-column invariants: these events never happen
        self.keep_ = np.nonzero(~self.unseen_)[0]
        x = x[:, self.keep_].tocsc().astype(np.float64)
        gram = np.asarray((x.T @ x).todense())  # (m, m)
        self.invariants_: list[tuple[np.ndarray, np.ndarray]] = []  # (columns into keep_, integer weights)
        r = self._dimension(x, gram)
        together = gram > 0
        found: set[tuple[int, ...]] = set()
        tried = 0
        for size in range(2, self.longest + 1):
            for cols in self._candidates(together, size, found):
                tried += 1
                if len(self.invariants_) >= r or tried > self.max_candidates:
                    return self
                theta = self._theta(x, gram, cols)
                if theta is not None:
                    self.invariants_.append((np.array(cols), theta))
                    found.add(cols)
        return self

    def outliers(self, x: sp.csr_matrix) -> np.ndarray:
        flagged = np.asarray(x[:, np.nonzero(self.unseen_)[0]].sum(axis=1)).ravel() > 0
        kept = x[:, self.keep_].tocsc()
        for cols, theta in self.invariants_:
            flagged |= np.abs(np.asarray(kept[:, cols] @ theta).ravel()) > 1e-6
        return flagged

    def _dimension(self, x: sp.csc_matrix, gram: np.ndarray) -> int:
        """How many directions (smallest singular first) nearly every window is orthogonal to."""
        _, vectors = np.linalg.eigh(gram)  # ascending eigenvalues
        r = 0
        for i in range(vectors.shape[1]):
            if np.mean(np.abs(x @ vectors[:, i]) < self.epsilon) < self.percentage:
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

    def _theta(self, x: sp.csc_matrix, gram: np.ndarray, cols: tuple[int, ...]) -> np.ndarray | None:
        """Integer weights that `percentage` of the windows satisfy exactly, or None."""
        _, vectors = np.linalg.eigh(gram[np.ix_(cols, cols)])
        v = vectors[:, 0]
        if np.any(np.abs(v) < 1e-6):
            return None
        sub = x[:, list(cols)]
        smallest = int(np.argmin(np.abs(v)))
        for scale in self.scales:
            theta = np.round(v * scale / v[smallest])
            theta[smallest] = scale
            if np.any(theta == 0):
                continue
            broken = np.count_nonzero(np.abs(sub @ theta) > 1e-8)  # windows without these events hold it
            if x.shape[0] - broken >= self.percentage * x.shape[0]:
                return theta
        return None


def classic_methods() -> dict:
    """name -> a factory taking the seed."""
    return {
        "lr": lambda seed: Supervised("lr", lambda _: LogisticRegression(C=100, tol=0.01, max_iter=1000), seed=seed),
        "svm": lambda seed: Supervised("svm", lambda s: LinearSVC(penalty="l1", tol=0.1, C=1, dual=False,
                                                                  max_iter=5000, random_state=s), seed=seed),
        "dt": lambda seed: Supervised("dt", lambda s: DecisionTreeClassifier(criterion="gini", random_state=s),
                                      seed=seed),
        "knn": lambda seed: Neighbours(seed=seed),
        "iforest": lambda seed: Unsupervised("iforest", seed),
        "pca": lambda seed: Unsupervised("pca", seed),
        "im": lambda seed: Unsupervised("im", seed),
        "sbert_lr": lambda seed: Supervised("sbert_lr", lambda _: LogisticRegression(max_iter=2000), on="sbert",
                                            seed=seed),
    }
