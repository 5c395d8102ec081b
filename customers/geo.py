"""Cities and areas the marketplace serves: the reference list used by the generator, import validation and filters."""

# Real areas (thanas / neighbourhoods) of each city. Weights are the rough share of the
# city's customers, used by the synthetic generator only.
AREAS: dict[str, list[tuple[str, float]]] = {
    "dhaka": [
        ("Gulshan", 0.08),
        ("Banani", 0.06),
        ("Dhanmondi", 0.09),
        ("Mirpur", 0.13),
        ("Mohammadpur", 0.08),
        ("Uttara", 0.10),
        ("Bashundhara", 0.06),
        ("Badda", 0.06),
        ("Motijheel", 0.04),
        ("Tejgaon", 0.04),
        ("Khilgaon", 0.05),
        ("Rampura", 0.05),
        ("Lalbagh", 0.03),
        ("Wari", 0.03),
        ("Shyamoli", 0.04),
        ("Baridhara", 0.03),
        ("Malibagh", 0.03),
    ],
    "chattogram": [
        ("Agrabad", 0.18),
        ("Panchlaish", 0.14),
        ("Khulshi", 0.12),
        ("Nasirabad", 0.12),
        ("Halishahar", 0.12),
        ("Chawkbazar", 0.10),
        ("Patenga", 0.08),
        ("Bakalia", 0.07),
        ("GEC Circle", 0.07),
    ],
    "sylhet": [
        ("Zindabazar", 0.22),
        ("Amberkhana", 0.18),
        ("Uposhohor", 0.18),
        ("Shibganj", 0.14),
        ("Subidbazar", 0.14),
        ("Tilagarh", 0.14),
    ],
    "khulna": [
        ("Sonadanga", 0.30),
        ("Khalishpur", 0.25),
        ("Daulatpur", 0.25),
        ("Boyra", 0.20),
    ],
    "rajshahi": [
        ("Shaheb Bazar", 0.30),
        ("Uposhohor", 0.25),
        ("Boalia", 0.25),
        ("Motihar", 0.20),
    ],
}

# Share of customers per city (Dhaka dominates the market).
CITY_WEIGHTS: dict[str, float] = {
    "dhaka": 0.70,
    "chattogram": 0.17,
    "sylhet": 0.06,
    "khulna": 0.04,
    "rajshahi": 0.03,
}


def areas_of(city: str) -> list[str]:
    return [name for name, _ in AREAS.get(city, [])]
