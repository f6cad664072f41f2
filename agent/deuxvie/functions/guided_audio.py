"""Guided sound checks: a tone in the left speaker only, then the right one only, and the
microphone recorded for a few seconds and played back to the operator.

The automatic check proves the output accepts a tone and, with an acoustic loopback, that
the microphone hears it; only a person can say the sound came out of *each* side (a dead
speaker, swapped or torn wires) and that a voice, not a hum, was recorded. A recording that
is digital silence (every sample zero) fails whatever the operator heard: the voice they
heard was their own, in the room.
"""

from __future__ import annotations

from deuxvie.functions.checks import RATE, REC_RATE, analog_pcm, run_tool
from deuxvie.functions.operator import Operator, answered, from_answer, skipped
from deuxvie.functions.signal import pcm_rms, tone_pcm
from deuxvie.grading.policy import FunctionsPolicy
from deuxvie.host import Host
from deuxvie.i18n import reason
from deuxvie.model.functions import FunctionInventory, FunctionResult, FunctionStatus

S = FunctionStatus
# (title fr, title en, "à ..." fr, en, name fr, channel)
SIDES = (("GAUCHE", "LEFT", "à gauche", "left", "gauche", 0),
         ("DROIT", "RIGHT", "à droite", "right", "droit", 1))
RECORD_S = 3


def _aplay(card: tuple[int, int], rate: int, channels: int) -> list[str]:
    return ["aplay", "-q", "-D", f"plughw:{card[0]},{card[1]}", "-t", "raw", "-f", "S16_LE",
            "-r", str(rate), "-c", str(channels)]


def check_speakers(op: Operator, host: Host, fi: FunctionInventory, fp: FunctionsPolicy
                   ) -> FunctionResult | None:
    """audio_out from the operator's ears; None when there is no output to ask about."""
    out = analog_pcm(fi, capture=False)
    if out is None:
        return None
    answers: dict[str, str | None] = {}
    ev: dict[str, object] = {"device": f"hw:{out[0]},{out[1]}", "answers": answers}
    for up_fr, up_en, at_fr, en, _fr, channel in SIDES:
        op.say(f"HAUT-PARLEUR {up_fr} : une tonalité joue {at_fr} seulement. Entrée = "
               f"entendue {at_fr}, D = défaut (rien, ou de l'autre côté), S = impossible",
               f"{up_en} SPEAKER: a tone plays on the {en} only. Enter = heard on the {en}, "
               "D = defect (nothing, or the other side), S = cannot test")
        rc, _, msg = run_tool(host, _aplay(out, RATE, 2), fp.tone_s + 20.0,
                              tone_pcm(fp.tone_hz, fp.tone_s, RATE, 2, only=channel))
        if rc is None:
            return answered("audio_out", S.UNTESTED, op, {**ev, "error": msg}, reason(
                "audio_out.no_tool", f"Son non testé : {msg}", f"Sound not tested: {msg}"))
        if rc != 0:
            return answered("audio_out", S.FAILED, op, {**ev, "error": msg}, reason(
                "audio_out.failed", f"La sortie son refuse le signal : {msg}",
                f"The sound output refuses the tone: {msg}"))
        a = op.answer()
        answers[en] = a
        if a in ("skip", None):
            return answered("audio_out", S.UNTESTED, op, ev, *skipped("audio_out", op, a).reasons)
    bad = [(fr, en) for _u, _e, _a, en, fr, _c in SIDES if answers[en] == "defect"]
    if bad:
        return answered("audio_out", S.FAILED, op, ev, reason(
            "audio_out.side", f"Haut-parleur sans son : {', '.join(f for f, _ in bad)}",
            f"Speaker silent: {', '.join(e for _, e in bad)}"))
    return answered("audio_out", S.PASSED, op, ev)


def check_microphone(op: Operator, host: Host, fi: FunctionInventory
                     ) -> FunctionResult | None:
    """audio_in by record-and-play-back; None when there is no capture device."""
    mic = analog_pcm(fi, capture=True)
    if mic is None:
        return None
    out = analog_pcm(fi, capture=False)
    op.say(f"MICRO : Entrée, puis parlez pendant {RECORD_S} s ; l'enregistrement est "
           "ensuite rejoué. S = impossible",
           f"MICROPHONE: Enter, then speak for {RECORD_S} s; the recording is then played "
           "back. S = cannot test")
    start = op.answer()
    if start != "ok":
        return skipped("audio_in", op, start)
    op.say("Parlez maintenant…", "Speak now…")
    rc, pcm, msg = run_tool(host, ["arecord", "-q", "-D", f"plughw:{mic[0]},{mic[1]}", "-t",
                                   "raw", "-f", "S16_LE", "-r", str(REC_RATE), "-c", "1", "-d",
                                   str(RECORD_S)], RECORD_S + 20.0)
    ev: dict[str, object] = {"device": f"hw:{mic[0]},{mic[1]}", "returncode": rc,
                             "bytes": len(pcm), "rms": pcm_rms(pcm)}
    if rc is None:
        return answered("audio_in", S.UNTESTED, op, {**ev, "error": msg}, reason(
            "audio_in.no_tool", f"Micro non testé : {msg}", f"Microphone not tested: {msg}"))
    if rc != 0 and not pcm:
        return answered("audio_in", S.FAILED, op, {**ev, "error": msg}, reason(
            "audio_in.failed", f"Le micro ne s'ouvre pas : {msg}",
            f"The microphone does not open: {msg}"))
    if out is not None:
        prc, _, _ = run_tool(host, _aplay(out, REC_RATE, 1), RECORD_S + 20.0, pcm)
        ev["playback_returncode"] = prc
    op.say("Avez-vous entendu votre voix rejouée ? Entrée = oui, D = non, S = impossible",
           "Did you hear your voice played back? Enter = yes, D = no, S = cannot test")
    a = op.answer()
    ev["answer"] = a
    if pcm_rms(pcm) < 1.0:
        return answered("audio_in", S.FAILED, op, ev, reason(
            "audio_in.silence", "L'enregistrement du micro est muet (micro coupé ou mort)",
            "The microphone recording is digital silence (muted or dead microphone)"))
    return from_answer("audio_in", op, a, ev, reason(
        "audio_in.not_heard", "Voix enregistrée non entendue à la relecture",
        "The recorded voice was not heard on playback"))
