"""Every function of the PC tested (issue #12): automatic checks (`checks`), guided checks
with the operator (`guided`), and the pure signal/frame measures they rely on (`signal`)."""
