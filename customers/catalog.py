"""The service catalogue: categories and services with their price ranges in Tk.

Loaded into the database by a data migration, so every installation (and every test
database) has the same catalogue; the generator and the CSV importer refer to services
by their slug.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    name_bn: str


@dataclass(frozen=True)
class ServiceSpec:
    slug: str
    category: str
    name: str
    name_bn: str
    min_price: Decimal
    max_price: Decimal


CATEGORIES: list[CategorySpec] = [
    CategorySpec("ac", "AC Repair & Servicing", "এসি সার্ভিসিং ও মেরামত"),
    CategorySpec("electrical", "Electrician", "ইলেকট্রিশিয়ান"),
    CategorySpec("plumbing", "Plumbing", "প্লাম্বিং"),
    CategorySpec("cleaning", "Cleaning", "পরিষ্কার-পরিচ্ছন্নতা"),
    CategorySpec("appliance", "Appliance Repair", "হোম অ্যাপ্লায়েন্স মেরামত"),
    CategorySpec("pest", "Pest Control", "পেস্ট কন্ট্রোল"),
    CategorySpec("painting", "Painting", "রং করা"),
    CategorySpec("shifting", "Home Shifting", "বাসা বদল"),
    CategorySpec("beauty", "Beauty & Salon at Home", "বিউটি ও সেলুন"),
    CategorySpec("other", "Other Services", "অন্যান্য সেবা"),
]

D = Decimal
SERVICES: list[ServiceSpec] = [
    ServiceSpec("ac-basic-servicing", "ac", "AC Basic Servicing", "এসি বেসিক সার্ভিসিং", D("800"), D("1500")),
    ServiceSpec("ac-master-servicing", "ac", "AC Master Servicing", "এসি মাস্টার সার্ভিসিং", D("1500"), D("3000")),
    ServiceSpec("ac-gas-refill", "ac", "AC Gas Refill", "এসি গ্যাস রিফিল", D("2500"), D("5000")),
    ServiceSpec("ac-installation", "ac", "AC Installation", "এসি ইনস্টলেশন", D("2000"), D("4500")),
    ServiceSpec("electrical-wiring", "electrical", "Wiring & Switchboard", "ওয়্যারিং ও সুইচবোর্ড", D("400"), D("3000")),
    ServiceSpec("electrical-fan-light", "electrical", "Fan & Light Fitting", "ফ্যান ও লাইট ফিটিং", D("300"), D("1200")),
    ServiceSpec(
        "electrical-ips", "electrical", "IPS & Generator Service", "আইপিএস ও জেনারেটর সার্ভিস", D("800"), D("3500")
    ),
    ServiceSpec("plumbing-leak", "plumbing", "Leak Repair", "লিক মেরামত", D("400"), D("1500")),
    ServiceSpec("plumbing-pipe", "plumbing", "Pipe & Fittings", "পাইপ ও ফিটিংস", D("600"), D("3000")),
    ServiceSpec("plumbing-water-tank", "plumbing", "Water Tank Cleaning", "পানির ট্যাংক পরিষ্কার", D("1500"), D("4000")),
    ServiceSpec("cleaning-home-deep", "cleaning", "Home Deep Cleaning", "বাসা ডিপ ক্লিনিং", D("3000"), D("9000")),
    ServiceSpec("cleaning-bathroom", "cleaning", "Bathroom Cleaning", "বাথরুম ক্লিনিং", D("800"), D("2000")),
    ServiceSpec(
        "cleaning-sofa-carpet", "cleaning", "Sofa & Carpet Cleaning", "সোফা ও কার্পেট ক্লিনিং", D("1200"), D("4000")
    ),
    ServiceSpec("appliance-fridge", "appliance", "Refrigerator Repair", "ফ্রিজ মেরামত", D("800"), D("4000")),
    ServiceSpec(
        "appliance-washing-machine", "appliance", "Washing Machine Repair", "ওয়াশিং মেশিন মেরামত", D("800"), D("3500")
    ),
    ServiceSpec("appliance-tv", "appliance", "TV Repair", "টিভি মেরামত", D("600"), D("3000")),
    ServiceSpec("pest-cockroach", "pest", "Cockroach Control", "তেলাপোকা দমন", D("1500"), D("4000")),
    ServiceSpec("pest-termite", "pest", "Termite Control", "উইপোকা দমন", D("3000"), D("10000")),
    ServiceSpec("pest-mosquito", "pest", "Mosquito Control", "মশা নিধন", D("1000"), D("3000")),
    ServiceSpec("painting-room", "painting", "Room Painting", "রুম রং করা", D("4000"), D("15000")),
    ServiceSpec("painting-full-home", "painting", "Full Home Painting", "পুরো বাসা রং করা", D("15000"), D("60000")),
    ServiceSpec("shifting-house", "shifting", "House Shifting", "বাসা বদল", D("5000"), D("25000")),
    ServiceSpec("shifting-office", "shifting", "Office Shifting", "অফিস বদল", D("10000"), D("50000")),
    ServiceSpec("beauty-facial", "beauty", "Facial at Home", "বাসায় ফেসিয়াল", D("1000"), D("3500")),
    ServiceSpec("beauty-bridal", "beauty", "Bridal Makeup", "ব্রাইডাল মেকআপ", D("8000"), D("30000")),
    ServiceSpec("beauty-haircut-men", "beauty", "Men's Haircut at Home", "বাসায় পুরুষদের চুল কাটা", D("300"), D("800")),
    ServiceSpec("other", "other", "Other Service", "অন্যান্য সেবা", D("0"), D("100000")),
]

DEFAULT_SERVICE_SLUG = "other"
