"""parse_lspci on eReuse workshop snapshots (lspci -vv) and this VM (lspci -vmm -nnk, -nn -k)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deuxvie.model.inventory import Gpu
from deuxvie.parsers import ParseError
from deuxvie.parsers.lspci import gpus, network_controllers, parse_lspci

DATA = Path(__file__).resolve().parent.parent / "data" / "parsers" / "lspci"


def test_laptop_vv_gpu_and_nics() -> None:
    devices = parse_lspci((DATA / "ereuse__5d2f7902-ceb4__Acer_Aspire_A315_53.txt").read_bytes())
    assert len(devices) == 16
    assert gpus(devices) == (
        Gpu("00:02.0", "Intel Corporation", "HD Graphics 620", "Intel Corporation HD Graphics 620"),
    )
    nics = network_controllers(devices)
    assert [(n.slot, n.class_name, n.driver) for n in nics] == [
        ("01:00.1", "Ethernet controller", "r8169"),
        ("02:00.0", "Network controller", "ath10k_pci"),
    ]
    assert nics[0].vendor == "Realtek Semiconductor Co., Ltd."
    assert nics[0].device == "RTL8111/8168/8411 PCI Express Gigabit Ethernet Controller"
    assert nics[0].revision == "12"
    # "Qualcomm Atheros" has no company suffix: vendor unknown rather than guessed.
    assert nics[1].vendor is None
    assert nics[1].description == "Qualcomm Atheros QCA9377 802.11ac Wireless Network Adapter"


def test_broadcom_wifi_and_realtek_ethernet() -> None:
    devices = parse_lspci((DATA / "ereuse__7aa682aa-77c5__LENOVO_0679_.txt").read_bytes())
    nics = network_controllers(devices)
    assert [(n.vendor, n.device) for n in nics] == [
        ("Broadcom Inc. and subsidiaries", "BCM4313 802.11bgn Wireless Network Adapter"),
        ("Realtek Semiconductor Co., Ltd.", "RTL810xE PCI Express Fast Ethernet controller"),
    ]
    assert gpus(devices)[0].device == "Core Processor Integrated Graphics Controller"


@pytest.mark.parametrize("name", ["this_vm_lspci_-vmm_-nnk.txt", "this_vm_lspci_-nn_-k.txt"])
def test_both_formats_of_this_vm_agree(name: str) -> None:
    devices = parse_lspci((DATA / name).read_bytes())
    assert gpus(devices) == ()  # the CI/dev VM has no display adapter
    (nic,) = network_controllers(devices)
    assert (nic.slot, nic.class_id, nic.vendor, nic.device) == (
        "00:03.0", "0200", "Red Hat, Inc.", "Virtio 1.0 network device",
    )
    assert (nic.vendor_id, nic.device_id, nic.driver, nic.revision) == (
        "1af4", "1041", "virtio-pci", "01",
    )


def test_vmm_and_human_give_the_same_devices() -> None:
    vmm = parse_lspci((DATA / "this_vm_lspci_-vmm_-nnk.txt").read_bytes())
    human = parse_lspci((DATA / "this_vm_lspci_-nn_-k.txt").read_bytes())
    assert vmm == human


@pytest.mark.parametrize("data", [b"", b"no pci here\n", b"Slot:\n"])
def test_nothing_recognised_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_lspci(data)
