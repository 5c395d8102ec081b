"""Which service to offer: item-item collaborative filtering over the customer × service booking history.

A customer who books AC servicing and electricians is offered what customers with similar histories book next,
not simply the most popular service. Cosine similarity between services over implicit feedback (how often each
customer booked each service, log-damped), scipy sparse matrices throughout.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from mlcore.arrays import FloatArray


@dataclass
class ServiceSimilarity:
    services: list[str]
    similarity: FloatArray  # services × services, zero diagonal
    popularity: FloatArray  # share of customers who booked each service, for tie-breaks

    def recommend(self, booked: dict[int, list[str]], exclude_booked: bool = True) -> dict[int, str | None]:
        """The best service per customer (None when nothing scores above zero)."""
        index = {service: position for position, service in enumerate(self.services)}
        out: dict[int, str | None] = {}
        for customer, services in booked.items():
            positions = [index[service] for service in services if service in index]
            if not positions:
                out[customer] = None
                continue
            scores = self.similarity[positions].sum(axis=0) + 1e-6 * self.popularity
            if exclude_booked:
                scores[positions] = -np.inf
            best = int(np.argmax(scores))
            out[customer] = self.services[best] if np.isfinite(scores[best]) and scores[best] > 1e-6 else None
        return out


def service_similarity_fit(bookings: pd.DataFrame) -> ServiceSimilarity:
    """`bookings` has columns customer_id and service (completed bookings)."""
    if bookings.empty:
        raise ValueError("there are no bookings to learn service similarities from")
    services = sorted(bookings["service"].unique())
    customers = pd.Index(bookings["customer_id"].unique())
    counts = bookings.groupby(["customer_id", "service"]).size()
    rows = customers.get_indexer(counts.index.get_level_values(0))
    columns = pd.Index(services).get_indexer(counts.index.get_level_values(1))
    matrix = sparse.csr_matrix(
        (np.log1p(counts.to_numpy(dtype=float)), (rows, columns)), shape=(len(customers), len(services))
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0))).ravel()
    co = (matrix.T @ matrix).toarray()
    similarity = co / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(similarity, 0.0)
    popularity = np.asarray((matrix > 0).sum(axis=0)).ravel() / len(customers)
    return ServiceSimilarity(services=services, similarity=similarity, popularity=popularity)
