"""Storage tables. They are NOT the wire format: the signed envelope is kept verbatim and
these columns are an index of it for lists, searches and the ledger (STYLE.md: "tables
doubling as the wire format" is what to avoid)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_key_b64: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # the workshop whose ledger this station's reports belong to (None: enrolled before
    # workshops existed; a network_admin sees them)
    workshop_id: Mapped[str | None] = mapped_column(ForeignKey("workshops.id"))


class EnrolmentToken(Base):
    __tablename__ = "enrolment_tokens"

    # Only the SHA-256 of a token is stored: a leaked database does not enrol stations.
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))
    # the workshop the station it enrols will belong to (issue 14)
    workshop_id: Mapped[str | None] = mapped_column(ForeignKey("workshops.id"))


class AdminToken(Base):
    """API tokens (Bearer). A token belongs to a user and acts with that user's role; rows
    from before users existed (user_id NULL) act as network_admin until they expire (the
    0002 migration gives them 90 days). Listed and revoked by `token_id` (the first 16 hex
    digits of the hash: enough to name one, useless to log in with)."""

    __tablename__ = "admin_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def token_id(self) -> str:
        return self.token_sha256[:16]


class Workshop(Base):
    __tablename__ = "workshops"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    territory: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    # hashlib.scrypt, "scrypt$n$r$p$salt_b64$hash_b64" (accounts.hash_password)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    workshop_id: Mapped[str | None] = mapped_column(ForeignKey("workshops.id"))
    donor_id: Mapped[str | None] = mapped_column(ForeignKey("donors.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A browser login: the cookie holds a random id, the table its SHA-256 (a leaked
    database opens no session), the CSRF token every form must echo, and the expiry."""

    __tablename__ = "web_sessions"

    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))  # the bootstrap token has no user
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Donor(Base):
    __tablename__ = "donors"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    territory: Mapped[str | None] = mapped_column(String(200))  # commune / EPCI


class Lot(Base):
    __tablename__ = "lots"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    donor_id: Mapped[str | None] = mapped_column(ForeignKey("donors.id"))
    # intake (issue 14); NULL on lots first named by an agent report
    workshop_id: Mapped[str | None] = mapped_column(ForeignKey("workshops.id"))
    reference: Mapped[str | None] = mapped_column(String(200))  # convention / PV de remise
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(100))


class Item(Base):
    """One donated thing (a tower, a screen, a keyboard...). `state` is the latest
    decision's state, kept for counting; the decisions themselves are in item_events,
    which is only ever appended to."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("lots.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    serial: Mapped[str | None] = mapped_column(String(256), index=True)
    asset_tag: Mapped[str | None] = mapped_column(String(128), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    # indexed: ingest looks an item up by device (ingest._ITEM_TAKEN)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id"))
    weee_batch_id: Mapped[int | None] = mapped_column(ForeignKey("weee_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ItemEvent(Base):
    """The append-only history: who decided what, when, why (never updated or deleted;
    triggers refuse it, migration 0002)."""

    __tablename__ = "item_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(1000))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the storage was taken out and sent to destruction (recycling without erasure)
    removed_for_destruction: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: certificates checked, pack...


class Pack(Base):
    """A "pack numérique solidaire": refurbished items leaving together."""

    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Distribution(Base):
    """A pack handed to a household through a prescribing structure. No personal data:
    the structure, the date, a pseudonymous reference the structure keeps, the criterion."""

    __tablename__ = "distributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"), unique=True)
    structure: Mapped[str] = mapped_column(String(200))
    date: Mapped[dt.date] = mapped_column(Date)
    pseudonymous_ref: Mapped[str] = mapped_column(String(64))
    criterion: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WeeeBatch(Base):
    __tablename__ = "weee_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"))
    organisation: Mapped[str] = mapped_column(String(200))  # eco-organisme / take-back
    slip_number: Mapped[str] = mapped_column(String(100))
    date: Mapped[dt.date] = mapped_column(Date)
    weights_kg: Mapped[str] = mapped_column(Text)  # JSON {category: kg}
    total_kg: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity_hash: Mapped[str] = mapped_column(String(64), unique=True)
    vendor: Mapped[str | None] = mapped_column(String(256))
    model: Mapped[str | None] = mapped_column(String(256))
    serial: Mapped[str | None] = mapped_column(String(256))
    chassis_type: Mapped[str | None] = mapped_column(String(256))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    reports: Mapped[list[Report]] = relationship(
        back_populates="device", order_by="Report.received_at"
    )


class Report(Base):
    __tablename__ = "reports"

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    key_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(40))  # as signed, ISO 8601
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The DSSE envelope as JSON text: re-verified on every certificate view.
    envelope: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    donor_id: Mapped[str | None] = mapped_column(ForeignKey("donors.id"), index=True)
    lot_id: Mapped[str | None] = mapped_column(ForeignKey("lots.id"), index=True)
    asset_id: Mapped[str | None] = mapped_column(String(128))
    verdict: Mapped[str | None] = mapped_column(String(32))
    suggestion_code: Mapped[str | None] = mapped_column(String(128))
    ledger_state: Mapped[str] = mapped_column(String(16))

    device: Mapped[Device] = relationship(back_populates="reports")
    erasures: Mapped[list[ErasureEntry]] = relationship(
        back_populates="report", order_by="ErasureEntry.id"
    )


class ErasureEntry(Base):
    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_uuid: Mapped[str] = mapped_column(ForeignKey("reports.uuid"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))
    disk_serial: Mapped[str | None] = mapped_column(String(256))
    disk_model: Mapped[str | None] = mapped_column(String(256))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    technique: Mapped[str] = mapped_column(String(128))
    verification: Mapped[str] = mapped_column(String(32))
    bytes_written: Mapped[int] = mapped_column(BigInteger)
    bytes_verified: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[str | None] = mapped_column(String(40))
    ended_at: Mapped[str | None] = mapped_column(String(40))

    report: Mapped[Report] = relationship(back_populates="erasures")


Index("ix_erasure_records_disk_serial", ErasureEntry.disk_serial)
Index("ix_devices_serial", Device.serial)
