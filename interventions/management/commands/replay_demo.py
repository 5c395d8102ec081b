"""python manage.py replay_demo [--months 6] [--every 35] [--reviewed 250] [--seed 7] — the demo's past nights."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from interventions.models import SIMULATION_USERNAME
from interventions.services.replay import demo_replay
from predictions.services.training import ModelTrainingError


class Command(BaseCommand):
    help = (
        "Replay the nightly run as of past days (every --every days over the --months months before the last "
        "booking), with simulated staff decisions (by the user "
        f"'{SIMULATION_USERNAME}', who cannot log in) and simulated customer answers to the offers (bookings whose "
        "id starts with SIMULATED-), so that the demo has outcomes, A/B results, ROI and model history. Models are "
        "trained as of the first replayed day, so no night is scored by a model that saw it. Nights already replayed "
        "are skipped: running it twice adds nothing. For demo data only: it invents decisions and bookings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=6, help="how far back the first night is (default 6)")
        parser.add_argument("--every", type=int, default=35, help="days between replayed nights (default 35)")
        parser.add_argument(
            "--reviewed", type=int, default=250, help="proposals staff review per night, best first (default 250)"
        )
        parser.add_argument("--seed", type=int, default=7, help="seed of the customers' answers (default 7)")

    def handle(self, *args, months, every, reviewed, seed, **options):
        verbose = options["verbosity"] > 0
        with tqdm(unit="night", desc="Replaying", disable=not verbose) as bar:
            try:
                result = demo_replay(
                    months=months,
                    every_days=every,
                    reviewed_per_night=reviewed,
                    seed=seed,
                    progress=lambda night: bar.update(1),
                )
            except (ModelTrainingError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        if result.refused:
            self.stdout.write(self.style.WARNING(f"Not replayed: {result.refused}. Start from fresh data to replay."))
            return
        if not result.nights:
            self.stdout.write(f"The {len(result.days)} nights from {result.days[0]} are replayed already.")
            return
        if verbose:
            for night in result.nights:
                self.stdout.write(
                    f"  {night.as_of}: {night.scored:,} scored; {night.proposed:,} proposed, "
                    f"{night.control:,} held out; "
                    f"{night.approved:,} approved and {night.rejected:,} rejected by the simulated staff, "
                    f"{night.sent:,} sent; {night.booked:,} customers answered ({night.redeemed:,} codes redeemed); "
                    f"outcomes judged: {night.outcomes['retained']:,} retained, {night.outcomes['churned']:,} churned"
                )
        trained = f" (models trained as of {result.trained_as_of})" if result.trained_as_of else ""
        self.stdout.write(
            self.style.SUCCESS(f"Replayed {len(result.nights)} nights from {result.nights[0].as_of}{trained}.")
        )
