"""Storage tables. They are NOT the wire format: the signed envelope is kept verbatim and
these columns are an index of it for lists, searches and the ledger (STYLE.md: "tables
doubling as the wire format" is what to avoid)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
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


class EnrolmentToken(Base):
    __tablename__ = "enrolment_tokens"

    # Only the SHA-256 of a token is stored: a leaked database does not enrol stations.
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    station_id: Mapped[str | None] = mapped_column(ForeignKey("stations.id"))


class AdminToken(Base):
    __tablename__ = "admin_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Donor(Base):
    __tablename__ = "donors"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Lot(Base):
    __tablename__ = "lots"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    donor_id: Mapped[str | None] = mapped_column(ForeignKey("donors.id"))


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
