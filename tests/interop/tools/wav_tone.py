#!/usr/bin/env python3
"""WAV helpers for the RTP interop tests (standard library only).

  wav_tone.py make FILE RATE HZ SECONDS   write a 16-bit mono sine at half scale
  wav_tone.py share FILE HZ [FROM TO]     print the median, over blocks of
                                          0.5 s, of the share of the energy at
                                          HZ (Goertzel bin; a pure tone gives
                                          ~1; a block of silence 0), first
                                          channel, and the sample count;
                                          FROM and TO (seconds) take a part
  wav_tone.py segments FILE               print "FROM TO" (seconds) for each
                                          stretch of sound, in blocks of
                                          10 ms above -50 dBFS RMS
"""
import math
import struct
import sys
import wave


def make(path, rate, hz, seconds):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for n in range(int(rate * seconds)):
            frames += struct.pack("<h", int(16383 * math.sin(2 * math.pi * hz * n / rate)))
        w.writeframes(bytes(frames))


def read(path):
    with wave.open(path, "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        if width != 2:
            raise SystemExit(f"{path}: {8 * width}-bit samples, 16 expected")
        raw = w.readframes(w.getnframes())
    return rate, struct.unpack(f"<{len(raw) // 2}h", raw)[::channels]


def segments(path):
    rate, samples = read(path)
    block = rate // 100
    threshold = (32768 * 10 ** (-50 / 20)) ** 2 * block
    found, start = [], None
    for i in range(0, len(samples) - block + 1, block):
        loud = sum(x * x for x in samples[i:i + block]) > threshold
        if loud and start is None:
            start = i
        elif not loud and start is not None:
            found.append((start / rate, i / rate))
            start = None
    if start is not None:
        found.append((start / rate, len(samples) / rate))
    return found


def share(path, hz, start=0.0, end=None):
    rate, samples = read(path)
    samples = samples[int(start * rate):None if end is None else int(end * rate)]
    # Per block: a phase jump (a gap, an RFC 4733 event replacing audio)
    # would spread a whole-file bin's energy.
    block = rate // 2
    shares = sorted(block_share(samples[i:i + block], rate, hz) for i in range(0, len(samples) - block + 1, block))
    return (shares[len(shares) // 2] if shares else 0.0), len(samples)


def block_share(samples, rate, hz):
    coefficient = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = energy = 0.0
    for x in samples:
        s1, s2 = x + coefficient * s1 - s2, s1
        energy += x * x
    if energy == 0:
        return 0.0
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return power * 2 / (len(samples) * energy)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif sys.argv[1] == "share":
        value, count = share(sys.argv[2], float(sys.argv[3]), *map(float, sys.argv[4:6]))
        print(f"{value:.3f} {count}")
    elif sys.argv[1] == "segments":
        for start, end in segments(sys.argv[2]):
            print(f"{start:.3f} {end:.3f}")
    else:
        raise SystemExit(__doc__)
