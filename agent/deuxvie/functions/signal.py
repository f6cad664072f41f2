"""Pure measures on raw audio and video bytes (no I/O): a test tone, whether a recording
holds it, whether webcam frames show a picture."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def tone_pcm(freq_hz: float, seconds: float, rate: int = 48000, channels: int = 2,
             amplitude: float = 0.5) -> bytes:
    """S16_LE interleaved sine, every channel the same."""
    t = np.arange(int(rate * seconds)) / rate
    mono = (amplitude * 32767 * np.sin(2 * math.pi * freq_hz * t)).astype("<i2")
    return np.repeat(mono, channels).tobytes()


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
