"""The Bengali catalogue (locale/bn): every string translated, django.mo compiled from django.po, served by Django."""

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

from customers.models import Channel
from interventions.models import Intervention, InterventionAction, InterventionStatus
from loyalty.models import LoyaltyTier
from predictions.models import RiskCategory
from sheba_retention.common.validators import validate_bd_phone

PO = Path(settings.BASE_DIR) / "locale" / "bn" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
STALE = "locale/bn is out of date: run `make messages` (and translate what it adds)"


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False

    @property
    def key(self) -> str:
        """How gettext looks the entry up: the context and the text joined by EOT (as pgettext does)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header first; as much of the format as makemessages writes, no obsolete ones."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    fuzzy, last = False, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in fields:
                msgstr = [fields.pop(key) for key in sorted(fields) if key.startswith("msgstr")]
                entries.append(Entry(**fields, msgstr=msgstr, fuzzy=fuzzy))
            fields, fuzzy = {}, False
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in [flag.strip() for flag in line[2:].split(",")]
        elif line.startswith('"'):
            fields[last] += ast.literal_eval(line)
        elif not line.startswith("#"):  # comments, references and obsolete (#~) entries are skipped
            keyword, value = line.split(" ", 1)
            last = keyword.replace("[", "_").rstrip("]")  # msgstr[0] -> msgstr_0, also for its continuation lines
            fields[last] = ast.literal_eval(value)
    return entries


def without_extraction_date(catalog: dict) -> dict:
    header = "".join(
        line for line in catalog[""].splitlines(keepends=True) if not line.startswith("POT-Creation-Date:")
    )
    return {**catalog, "": header}


def test_every_string_has_a_bengali_translation():
    # given
    header, *entries = read_po(PO)

    # then
    assert (header.msgid, header.fuzzy) == ("", False)
    assert "Language: bn\n" in header.msgstr[0]
    assert [entry.msgid for entry in entries if entry.fuzzy or not all(entry.msgstr)] == []
    assert len(entries) > 100


def test_the_committed_mo_is_compiled_from_the_po():
    # given: what msgfmt makes of the .po (it leaves fuzzy and untranslated entries out)
    expected: dict[str | tuple[str, int], str] = {}
    for entry in read_po(PO):
        if entry.fuzzy or not all(entry.msgstr):
            continue
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            expected.update({(entry.key, n): text for n, text in enumerate(entry.msgstr)})

    # when
    with MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]  # private, not in typeshed

    # then: the same, the header's extraction date aside (GNU msgfmt leaves it out)
    assert without_extraction_date(compiled) == without_extraction_date(expected), STALE


def test_django_serves_each_translation_in_bengali():
    # given
    header, *entries = read_po(PO)

    # when
    with translation.override("bn"):
        served = [
            translation.ngettext(entry.key, entry.msgid_plural, 1)
            if entry.msgid_plural
            else translation.gettext(entry.key)
            for entry in entries
        ]

    # then
    assert served == [entry.msgstr[0] for entry in entries]


@pytest.mark.parametrize(
    ("label", "bengali"),
    [
        (InterventionAction.WIN_BACK_DISCOUNT.label, "ফিরিয়ে আনার ছাড়"),
        (InterventionStatus.SENT.label, "পাঠানো হয়েছে"),
        (Intervention._meta.get_field("discount_amount").verbose_name, "ছাড় (৳)"),
        (Intervention._meta.get_field("churn_probability").help_text, "প্রস্তাবের সময়ে।"),
        (LoyaltyTier.Name.GOLD.label, "গোল্ড"),
        (RiskCategory.CRITICAL.label, "সংকটজনক"),
        (Channel.SMS.label, "এসএমএস"),
    ],
)
def test_model_labels_read_in_bengali(label, bengali):
    with translation.override("bn"):
        assert str(label) == bengali
    assert str(label) != bengali  # English outside


def test_an_error_message_reads_in_bengali_with_the_number_as_it_is_typed():
    # when
    with translation.override("bn"):
        with pytest.raises(ValidationError) as error:
            validate_bd_phone("017")
        messages = error.value.messages

    # then: the example number keeps its ASCII digits, the only ones the validator accepts
    assert messages == ["+8801712345678-এর মতো একটি বাংলাদেশি মোবাইল নম্বর দিন।"]
