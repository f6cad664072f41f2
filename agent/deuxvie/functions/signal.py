"""Pure measures on raw audio and video bytes (no I/O): a test tone, whether a recording
holds it, whether webcam frames show a picture."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def tone_pcm(freq_hz: float, seconds: float, rate: int = 48000, channels: int = 2,
             amplitude: float = 0.5, only: int | None = None) -> bytes:
    """S16_LE interleaved sine, every channel the same, or only channel `only` (0 = left,
    1 = right) with the others silent: the guided left/right speaker check."""
    t = np.arange(int(rate * seconds)) / rate
    mono = (amplitude * 32767 * np.sin(2 * math.pi * freq_hz * t)).astype("<i2")
    frames = np.repeat(mono, channels).reshape(-1, channels)
    if only is not None:
        frames[:, [c for c in range(channels) if c != only]] = 0
    return frames.tobytes()


def pcm_rms(pcm: bytes) -> float:
    """RMS of S16_LE samples, in S16 steps (below 1: digital silence, nothing captured)."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    return round(float(np.sqrt(np.mean(samples ** 2))), 1) if samples.size else 0.0


RAMP = " .:-=+*#%@"


def luma_preview(frame: bytes, width: int, height: int, cols: int = 64, rows: int = 24
                 ) -> list[str]:
    """A YUYV frame as text, one character per cell from dark to bright (RAMP): a webcam
    preview any console can show, the serial one included. Each cell is the mean luma of
    its block (even bytes of YUYV are Y)."""
    if width <= 0 or height <= 0 or len(frame) < width * height * 2:
        return []
    luma = np.frombuffer(frame, dtype=np.uint8, count=width * height * 2)[::2]
    img = luma.reshape(height, width).astype(np.float64)
    rows, cols = min(rows, height), min(cols, width)
    ys = np.linspace(0, height, rows + 1).astype(int)
    xs = np.linspace(0, width, cols + 1).astype(int)
    out = []
    for r in range(rows):
        band = img[ys[r]:ys[r + 1]]
        line = "".join(RAMP[min(len(RAMP) - 1, int(band[:, xs[c]:xs[c + 1]].mean()
                                                    * len(RAMP) / 256))] for c in range(cols))
        out.append(line)
    return out


@dataclass(frozen=True)
class ToneMeasure:
    heard: bool
    snr_db: float | None  # tone bin over the mean of the other bins; None: silence
    rms: float  # of the whole record, in S16 steps


def tone_in_recording(pcm: bytes, freq_hz: float, rate: int, min_snr_db: float) -> ToneMeasure:
    """Was `freq_hz` heard in mono S16_LE `pcm`? A plain FFT: the tone's bin (±2 bins for
    speaker/mic clock drift) against the median magnitude of the spectrum."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    if samples.size < rate // 10:
        return ToneMeasure(False, None, 0.0)
    rms = float(np.sqrt(np.mean(samples ** 2)))
    if rms < 1.0:  # digital silence: no input at all
        return ToneMeasure(False, None, rms)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    k = round(freq_hz * samples.size / rate)
    peak = float(spectrum[max(k - 2, 0): k + 3].max())
    floor = float(np.median(spectrum)) or 1e-9
    snr = 20 * math.log10(peak / floor) if peak > 0 else 0.0
    return ToneMeasure(snr >= min_snr_db, round(snr, 1), round(rms, 1))


@dataclass(frozen=True)
class FramesMeasure:
    frames: int  # complete frames received
    frame_bytes: int
    spreads: tuple[int, ...]  # max-min of the sampled bytes, per frame
    picture: bool  # at least one frame is not black/constant


def frames_show_picture(raw: bytes, frame_bytes: int, min_spread: int) -> FramesMeasure:
    """YUYV/raw frames back to back: a frame whose bytes all sit within `min_spread`
    steps is black (lens cover, dead sensor) or constant (frozen pipeline)."""
    if frame_bytes <= 0:
        return FramesMeasure(0, frame_bytes, (), False)
    n = len(raw) // frame_bytes
    spreads: list[int] = []
    for i in range(n):
        frame = np.frombuffer(raw, dtype=np.uint8, count=frame_bytes, offset=i * frame_bytes)
        # YUYV: even bytes are luma; sampling every 64th one is plenty for "not black".
        luma = frame[::2][::32]
        spreads.append(int(luma.max()) - int(luma.min()) if luma.size else 0)
    return FramesMeasure(n, frame_bytes, tuple(spreads), any(s >= min_spread for s in spreads))
