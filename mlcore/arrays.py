"""Array types for mlcore's signatures: numpy arrays by the dtype they hold."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Float32Array = NDArray[np.float32]  # XGBoost's inputs and predictions
AnyFloatArray = NDArray[np.floating[Any]]  # either of them
IntArray = NDArray[np.integer[Any]]  # labels, counts, positions: any integer dtype
BoolArray = NDArray[np.bool_]  # row masks
ObjectArray = NDArray[np.object_]  # strings (segment keys, risk categories, statuses)
DatetimeArray = NDArray[np.datetime64]
