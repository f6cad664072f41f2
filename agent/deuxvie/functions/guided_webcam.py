"""Guided webcam preview: the camera's picture drawn as text on the console, refreshed
while the operator waves a hand in front of the lens, then their answer.

The automatic check proves frames of the advertised size with some contrast arrive; only
a person sees that the picture is the room (not noise, not a stuck frame, not out of
focus behind a scratched cover). Text cells (signal.luma_preview) work on any console,
the serial one included, with no framebuffer or image library in the live system.
"""

from __future__ import annotations

from deuxvie.functions.checks import run_tool
from deuxvie.functions.operator import Operator, answered, from_answer, key_answer
from deuxvie.functions.signal import luma_preview
from deuxvie.host import Host
from deuxvie.i18n import reason
from deuxvie.model.functions import FunctionInventory, FunctionResult, FunctionStatus
from deuxvie.parsers import ParseError
from deuxvie.parsers.v4l2 import V4l2Info, parse_v4l2_all
from deuxvie.probes.webcams import v4l2_all_argv

S = FunctionStatus
MAX_FAILED_FRAMES = 3


def _format(host: Host, node: str) -> V4l2Info | None:
    rc, out, _ = run_tool(host, v4l2_all_argv(node), 15.0)
    try:
        return parse_v4l2_all(out) if rc == 0 else None
    except ParseError:
        return None


def check_webcam_preview(op: Operator, host: Host, fi: FunctionInventory
                         ) -> FunctionResult | None:
    cams = [c for c in fi.webcams if c.capture]
    if not cams:
        return None
    node = cams[0].node
    info = _format(host, node)
    if info is not None and info.pixel_format != "YUYV":
        # UVC cameras all offer uncompressed YUYV; MJPEG would need a decoder
        run_tool(host, ["v4l2-ctl", "--device", node, "--set-fmt-video=pixelformat=YUYV"], 15.0)
        info = _format(host, node)
    ev: dict[str, object] = {"device": node}
    if info is None or info.pixel_format != "YUYV" or not info.width or not info.height:
        return answered("webcam", S.UNTESTED, op, ev, reason(
            "webcam.no_preview", "Aperçu impossible : la webcam n'offre pas le format YUYV",
            "No preview: the webcam does not offer YUYV"))
    w, h = info.width, info.height
    ev.update({"width": w, "height": h})
    op.say("WEBCAM : l'image s'affiche ci-dessous ; passez la main devant l'objectif. "
           "Entrée = image correcte, D = défaut, S = impossible",
           "WEBCAM: the picture shows below; wave a hand in front of the lens. "
           "Enter = picture fine, D = defect, S = cannot test")
    argv = ["v4l2-ctl", "--device", node, "--stream-mmap", "--stream-count=1", "--stream-to=-"]
    shown = failed = 0
    answer: str | None = None
    for _ in range(max(1, int(op.answer_timeout_s))):  # about one frame a second
        rc, raw, msg = run_tool(host, argv, 15.0)
        lines = luma_preview(raw, w, h) if rc == 0 else []
        if lines:
            shown += 1
            op.out.write("\x1b[H\x1b[J" + "\n".join(lines) + "\n")
            # the screen was cleared for the picture: the answer keys stay under it
            op.say("Entrée = image correcte, D = défaut, S = impossible",
                   "Enter = picture fine, D = defect, S = cannot test")
        else:
            failed += 1
            if failed >= MAX_FAILED_FRAMES and not shown:
                return answered("webcam", S.FAILED, op, {**ev, "error": msg}, reason(
                    "webcam.no_preview_frames", f"Aucune image de la webcam : {msg}",
                    f"No picture from the webcam: {msg}"))
        answer = key_answer(op.events.next_key(0.2 if shown else 1.0))
        if answer is not None:
            break
    ev.update({"frames_shown": shown, "answer": answer})
    return from_answer("webcam", op, answer, ev, reason(
        "webcam.defect", "Image de la webcam incorrecte selon l'opérateur",
        "The operator saw a wrong webcam picture"))
