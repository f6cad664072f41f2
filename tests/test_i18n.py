"""deuxvie.i18n, the one home of the words: the station screen, the run's screens, the
certificate and the label say the same status in the same words."""

from __future__ import annotations

from deuxvie.certificate import facts
from deuxvie.hotplug.screen import STATUS
from deuxvie.i18n import ERASURE_STATUS, ERASURE_WORDS, TEST_STATUS_WORDS, pick
from deuxvie.model.diagnostics import TestStatus as St
from deuxvie.model.erasure import ErasureStatus


def test_every_erasure_status_has_one_short_and_one_long_wording() -> None:
    assert set(ERASURE_STATUS) == {s.value for s in ErasureStatus}
    for status, (fr, en) in ERASURE_STATUS.items():
        long_fr, long_en = ERASURE_WORDS[status]
        assert fr in long_fr and en in long_en, status  # the screen's word is the certificate's
        assert STATUS[status] == (fr, en)  # the station screen shows exactly these


def test_only_certifiable_statuses_say_erased() -> None:
    for status, pair in ERASURE_STATUS.items():
        says_erased = pick(pair, "fr").startswith("EFFACÉ") or pick(pair, "en").startswith("ERASED")
        assert says_erased == ErasureStatus(status).certifiable, status


def test_the_certificate_reads_its_words_from_i18n() -> None:
    assert facts.STATUS_TEXT is ERASURE_WORDS


def test_diagnostic_statuses_have_words() -> None:
    assert set(TEST_STATUS_WORDS) == {s.value for s in St}
