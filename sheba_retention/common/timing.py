"""Stage timings of long runs (training, scoring), reported in logs and by the benchmarks."""

import time


class LapClock:
    """Adds the seconds since the previous lap (or since it was made) to `seconds[name]` at each `lap(name)`."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds
        self.mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self.mark
        self.mark = now
