"""Page texts in French and English. Language: ?lang=fr|en, else Accept-Language, else fr."""

from __future__ import annotations

from flask import request

LANGS = ("fr", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("deuxvie — service de coordination", "deuxvie — coordination service"),
    "devices": ("Appareils", "Devices"),
    "donors": ("Donateurs", "Donors"),
    "lots": ("Lots", "Lots"),
    "search": ("Rechercher", "Search"),
    "search_hint": ("marque, modèle, n° de série, disque", "vendor, model, serial, disk"),
    "vendor": ("Marque", "Vendor"),
    "model": ("Modèle", "Model"),
    "serial": ("N° de série", "Serial number"),
    "chassis": ("Type", "Type"),
    "reports": ("Rapports", "Reports"),
    "last_report": ("Dernier rapport", "Last report"),
    "verdict": ("Verdict", "Verdict"),
    "state": ("Devenir", "Outcome"),
    "date": ("Date", "Date"),
    "station": ("Poste", "Station"),
    "operator": ("Opérateur·rice", "Operator"),
    "organisation": ("Structure", "Organisation"),
    "software": ("Logiciel et image", "Software and image"),
    "image_live-iso": ("image ISO live", "live ISO image"),
    "image_test-guest": ("invité de test QEMU", "QEMU test guest"),
    "image_none": ("hors image (poste de développement)", "outside an image (development)"),
    "image_dirty": ("modifié", "modified"),
    "image_built": ("construite le", "built"),
    "image_rootfs": ("système de fichiers racine", "root filesystem"),
    "donor": ("Donateur", "Donor"),
    "lot": ("Lot", "Lot"),
    "asset": ("N° d'inventaire", "Asset id"),
    "certificate": ("Certificat", "Certificate"),
    "cert_title": ("Certificat d'effacement des données", "Data erasure certificate"),
    "valid": ("VALIDE", "VALID"),
    "invalid": ("INVALIDE", "INVALID"),
    "valid_text": (
        "La signature du poste a été vérifiée à l'instant : ce rapport n'a pas été modifié.",
        "The station's signature was verified just now: this report has not been altered.",
    ),
    "invalid_text": (
        "La signature ne correspond pas : ce rapport a été modifié ou falsifié. "
        "Ne pas s'y fier.",
        "The signature does not match: this report was altered or forged. Do not rely on it.",
    ),
    "revoked_note": (
        "La clé de ce poste a été révoquée le {date} ; le rapport avait été reçu avant.",
        "This station's key was revoked on {date}; the report was received before that.",
    ),
    "unverified": ("Contenu non vérifié", "Unverified content"),
    "checked_at": ("Vérifié le", "Checked at"),
    "key_id": ("Clé de signature", "Signing key"),
    "device": ("Appareil", "Device"),
    "loose_disk": (
        "Disque seul (effacé sans machine hôte)", "Loose disk (wiped without a host machine)"
    ),
    "erasure": ("Effacement des disques", "Disk erasure"),
    "disk": ("Disque", "Disk"),
    "size": ("Capacité", "Capacity"),
    "method": ("Méthode", "Method"),
    "verification": ("Vérification", "Verification"),
    "status": ("Statut", "Status"),
    "started": ("Début", "Started"),
    "ended": ("Fin", "Ended"),
    "no_erasure": ("Aucun disque effacé dans ce rapport.", "No disk erased in this report."),
    "grade": ("Diagnostic", "Diagnosis"),
    "suggestion": ("Suite proposée", "Suggested outcome"),
    "download_envelope": ("Rapport signé (JSON)", "Signed report (JSON)"),
    "download_pdf": ("Certificat PDF", "PDF certificate"),
    "ledger": ("Bilan des dons", "Donation ledger"),
    "received": ("Reçus", "Received"),
    "audited": ("Diagnostiqués", "Audited"),
    "refurbished": ("Reconditionnés", "Refurbished"),
    "in_audit": ("En diagnostic", "In audit"),
    "state_received": ("Reçu", "Received"),
    "state_in_audit": ("En diagnostic", "In audit"),
    "state_refurbished": ("Reconditionné", "Refurbished"),
    "state_to_repair": ("À réparer", "To repair"),
    "state_recycled": ("Recyclé", "Recycled"),
    "to_repair": ("À réparer", "To repair"),
    "recycled": ("Recyclés", "Recycled"),
    "export_devices": ("Export CSV des appareils", "CSV export of devices"),
    "export_erasure": ("Export CSV des effacements", "CSV export of erasures"),
    "login": ("Connexion administrateur", "Administrator login"),
    "token": ("Jeton d'administration", "Admin token"),
    "sign_in": ("Se connecter", "Sign in"),
    "not_found": ("Introuvable", "Not found"),
    "unknown_cert": (
        "Aucun certificat ne porte ce numéro : ce QR code ne vient pas de ce service.",
        "No certificate has this number: this QR code does not come from this service.",
    ),
    "none": ("aucun", "none"),
    "ERASED": ("Effacé", "Erased"),
    "ERASED_WITH_WARNINGS": ("Effacé avec avertissements", "Erased with warnings"),
    "FAILED": ("Échec", "Failed"),
    "INTERRUPTED": ("Interrompu", "Interrupted"),
    "SKIPPED": ("Non effacé", "Skipped"),
    "PASS": ("Bon", "Pass"),
    "PASS_WITH_WARNINGS": ("Bon avec réserves", "Pass with warnings"),
    "FAIL": ("Hors service", "Fail"),
}


def pick_lang() -> str:
    lang = request.args.get("lang")
    if lang in LANGS:
        return lang
    return request.accept_languages.best_match(LANGS) or "fr"


def translate(lang: str, key: str, **kwargs: str) -> str:
    pair = TEXTS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "fr" else pair[1]
    return text.format(**kwargs) if kwargs else text
