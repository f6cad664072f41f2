"""Station mode: loose disks hot-plugged into a bench dock, each wiped, certified, labelled
and reported on its own while the others run (`deuxvie station-mode`, docs/adr/0082).

Data flow: udev events (udev.py, a pure parser of `udevadm monitor` text; source.py reads
it through the Host or replays a capture) -> tracker.py (pure: which event starts, stops or
ignores a slot) -> station.py (one worker thread per disk: worker.py) -> report.py (the
"loose_disk" report kind) -> screen.py (one line per disk, plain log on serial consoles).
"""
