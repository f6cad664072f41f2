"""deuxvie coordination service: station enrolment, signed report ingest, registry,
certificates, the donors' ledger (issue 5). From the agent package it uses deuxvie.wire only."""
