"""Words of the operator screens, French first (the workshops are French)."""

from __future__ import annotations

from deuxvie.model.common import Reason
from deuxvie.model.grade import Verdict
from deuxvie.pipeline.steps import StepName, StepState

STEP_NAMES: dict[StepName, tuple[str, str]] = {
    StepName.INVENTORY: ("Inventaire", "Inventory"),
    StepName.SMART: ("Santé des disques (SMART)", "Disk health (SMART)"),
    StepName.SELFTEST: ("Autotest des disques", "Disk self-test"),
    StepName.CPU: ("Test du processeur", "CPU stress test"),
    StepName.FUNCTIONS: ("Fonctions du PC", "PC functions"),
    StepName.RAM: ("Test de la mémoire", "Memory test"),
    StepName.SURFACE: ("Lecture de surface", "Surface scan"),
    StepName.WIPE: ("Effacement des disques", "Disk erasure"),
    StepName.GRADE: ("Classement", "Grading"),
    StepName.REPORT: ("Rapport signé", "Signed report"),
    StepName.CERTIFICATE: ("Certificat d'effacement", "Erasure certificate"),
    StepName.LABEL: ("Étiquette", "Label"),
    StepName.UPLOAD: ("Envoi au service", "Upload"),
}

STATE_WORDS: dict[StepState, tuple[str, str]] = {
    StepState.PENDING: ("en attente", "pending"),
    StepState.RUNNING: ("en cours", "running"),
    StepState.DONE: ("fait", "done"),
    StepState.FAILED: ("échec", "failed"),
    StepState.SKIPPED: ("sauté", "skipped"),
    StepState.UNTESTED: ("non testé", "untested"),
}

# One character per state, ASCII-safe variants for serial consoles.
STATE_ICONS: dict[StepState, tuple[str, str]] = {
    StepState.PENDING: ("·", "."),
    StepState.RUNNING: ("▶", ">"),
    StepState.DONE: ("✔", "+"),
    StepState.FAILED: ("✘", "x"),
    StepState.SKIPPED: ("–", "-"),
    StepState.UNTESTED: ("?", "?"),
}

STATE_STYLES: dict[StepState, str] = {
    StepState.PENDING: "dim",
    StepState.RUNNING: "bold cyan",
    StepState.DONE: "green",
    StepState.FAILED: "bold red",
    StepState.SKIPPED: "yellow",
    StepState.UNTESTED: "yellow",
}

# Status words, verdicts and their meaning live in deuxvie.i18n (shared with the certificate
# and the label).
VERDICT_STYLES: dict[Verdict, str] = {
    Verdict.PASS: "bold green",
    Verdict.PASS_WITH_WARNINGS: "bold yellow",
    Verdict.FAIL: "bold red",
}

UI: dict[str, tuple[str, str]] = {
    "title": ("deuxvie — diagnostic et effacement", "deuxvie — diagnostics and erasure"),
    "no_verdict": ("pas de verdict : classement indisponible", "no verdict: grading unavailable"),
    "reasons": ("Raisons", "Reasons"),
    "suggestion": ("Conseil", "Suggestion"),
    "untested": ("Non testé", "Not tested"),
    "erasure": ("Effacement", "Erasure"),
    "functions": ("Fonctions du PC", "PC functions"),
    "label": ("Étiquette", "Label"),
    "upload": ("Rapport", "Report"),
    "certificate": ("Certificat", "Certificate"),
    "problems": ("Étapes en échec", "Failed steps"),
    "interrupted": ("RUN INTERROMPU", "RUN INTERRUPTED"),
    "duration": ("Durée", "Duration"),
    "confirm_title": ("Effacement définitif", "Permanent erasure"),
    "will_wipe": ("Ces disques vont être effacés :", "These disks will be erased:"),
    "wont_wipe": ("Non effacés :", "Not erased:"),
    "question": (
        "Effacer DÉFINITIVEMENT ces {n} disque(s) ? Tapez « oui » pour confirmer : ",
        "Erase these {n} disk(s) PERMANENTLY? Type “yes” to confirm: ",
    ),
    "confirmed": ("Effacement confirmé.", "Erasure confirmed."),
    "declined": (
        "Effacement refusé : aucun disque ne sera effacé.",
        "Erasure refused: no disk will be erased.",
    ),
    "none_label": ("pas d'étiquette", "no label"),
    "not_sent": ("gardé sur la clé (envoi plus tard)", "kept on the stick (upload later)"),
}

YES = frozenset({"oui", "o", "yes", "y"})


def t(key: str, lang: str) -> str:
    fr, en = UI[key]
    return fr if lang == "fr" else en


def rtext(r: Reason | None, lang: str) -> str:
    return "" if r is None else r.text(lang)


def duration_text(seconds: float | None, lang: str = "fr") -> str:
    if seconds is None or seconds < 0:
        return "—"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def rate_text(bytes_per_s: float | None, lang: str = "fr") -> str:
    if bytes_per_s is None:
        return ""
    unit = "Mo/s" if lang == "fr" else "MB/s"
    text = f"{bytes_per_s / 1e6:.0f}" if bytes_per_s >= 1e7 else f"{bytes_per_s / 1e6:.1f}"
    return f"{text.replace('.', ',') if lang == 'fr' else text} {unit}"
