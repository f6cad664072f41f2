"""Printed labels: `render` (pure: report -> image), `zpl` (pure: report -> ZPL),
`printers` (send to Brother QL, Zebra, CUPS or a file), `config` (printer choice and sizes)."""
