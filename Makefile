# deuxvie — every target installs what it needs (see README).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

# Debian tools the agent drives and the tests exercise for real.
APT_PACKAGES := smartmontools nvme-cli hdparm sg3-utils dmidecode util-linux edid-decode \
  pciutils usbutils lsscsi zbar-tools libzbar0 poppler-utils nwipe qemu-system-x86 qemu-utils \
  debootstrap cpio zstd kmod postgresql chromium fonts-dejavu-core ovmf xorriso
APT_PACKAGES += live-build e2fsprogs dosfstools mtools
APT_PACKAGES += cups-daemon cups-client
APT_PACKAGES += dmsetup
# the label uses DejaVu Sans Condensed, which only -extra ships
APT_PACKAGES += fonts-dejavu-extra

.PHONY: setup apt venv test lint unit demo fuzz-server bench bench-wipe bench-wipe-device bench-label bench-server bench-station bench-cli image test-iso test-guest pxe test-stick test-functions-vm clean

setup: apt venv

apt: .setup-apt.stamp
.setup-apt.stamp: Makefile
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install:$$missing"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	fi
	@touch $@

venv: $(VENV)/.setup-done
$(VENV)/.setup-done: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

lint: venv
	$(BIN)/ruff check agent server-stub tests bench
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q --durations=15

test: setup lint
	$(BIN)/pytest -q --durations=15

# The virtual PC's functions boot alone (audio, hwsim Wi-Fi AP, set_link, send-key guided
# checks, a stick walked through the xHCI ports), also part of `make test`: README.
test-functions-vm: setup
	$(BIN)/pytest -q --durations=5 -m functions_rig

demo: setup
	$(BIN)/python -m deuxvie.demo

# 10,000 fuzzed POST /api/v1/reports per database (SQLite, PostgreSQL); `make test` runs 500.
fuzz-server: setup
	DEUXVIE_FUZZ_REQUESTS=10000 $(BIN)/pytest -q -s tests/server/test_harden_fuzz_ingest.py

bench: setup
	$(BIN)/python -m bench

# Every wipe figure of issue #16 in one run (loops, CPU per GiB, N disks, then the QEMU
# device-limited classes); README "Wipe benchmarks" gives its duration.
bench-wipe: setup
	$(BIN)/python -m bench.wipe

# Only the device-limited part: one QEMU test-guest boot with throttled disks (README).
bench-wipe-device: setup
	$(BIN)/python -m bench.wipe_device

# ~3 min: SQLite ingest, PostgreSQL ingest and mixed load (enrol/revoke/certificate pages
# beside), one vs two services on two ports; goals and load average beside each figure
bench-server: setup
	$(BIN)/python -m bench.server

bench-label: setup
	$(BIN)/python -m bench.label

# Start-up of `deuxvie --version`, `--help`, `parse`, `deuxvie-server --help` (goal < 0.25 s)
# and the first frame of `deuxvie run` (goal < 1 s): medians of 10 fresh processes, load
# average beside each (BENCH_CLI_RUNS)
bench-cli: setup
	$(BIN)/python -m bench.cli --runs $${BENCH_CLI_RUNS:-10}

# N disks wiped in parallel by the station vs N-parallel dd (root, loop devices on tmpfs;
# BENCH_STATION_DISKS, BENCH_STATION_SIZE_MIB, BENCH_ROUNDS)
bench-station: setup
	$(BIN)/python -m bench.station

# The live USB image (hybrid ISO, BIOS + UEFI): live-image/build/deuxvie-amd64.iso (~7 min
# idle); rebuilt when the package list, the image scripts or the agent change.
ISO := live-image/build/deuxvie-amd64.iso
ISO_INPUTS := $(wildcard live-image/*.sh live-image/*.list live-image/*.py) \
  $(shell find live-image/iso agent/deuxvie -type f ! -name '*.pyc' 2>/dev/null) pyproject.toml
image: setup $(ISO)
$(ISO): $(ISO_INPUTS)
	live-image/build-iso.sh

# Boots the real ISO under QEMU as a BIOS CD-ROM and as a UEFI (OVMF) USB stick (~2 x 100 s).
test-iso: image
	$(BIN)/python -m deuxvie.devtools.isoboot $(ISO)

# The real stick end to end (README "make test-stick"): the ISO as a UEFI USB stick with its own
# deuxvie.toml, an unattended run that powers the virtual PC off, then host-side checks.
test-stick: image
	$(BIN)/python -m deuxvie.devtools.isorun $(ISO)

# Network boot: the live image's kernel, initrd and squashfs, the iPXE script and a dnsmasq
# proxy-DHCP/TFTP example in live-image/build/pxe/ (README "Network boot (PXE)").
PXE_DIR := live-image/build/pxe
pxe: image
	$(BIN)/python -m deuxvie.devtools.pxe $(ISO) $(PXE_DIR)

# The QEMU test guest (kernel + initramfs with the agent), cached under live-image/cache/.
test-guest: setup
	live-image/build-initramfs.sh

clean:
	rm -rf $(VENV) .setup-apt.stamp build dist *.egg-info
