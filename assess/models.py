"""Database tables. Change them only together with an Alembic migration (`assess/migrations`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workshop(Base):
    """A training session: a trainer's private link, a short join code, the cases in play."""

    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_token: Mapped[str] = mapped_column(String(64), unique=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    cases: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Assessment(Base):
    __tablename__ = "assessment"
    # A name is taken once per workshop, whatever its case (NULLs never clash outside workshops).
    __table_args__ = (UniqueConstraint("workshop_id", "participant_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # the edit link
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    passphrase_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    title: Mapped[str] = mapped_column(String(200), default="")
    assessor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[str] = mapped_column(String(32), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Started from a case of the library (self-study or workshop); in a workshop, who answers.
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop.id", ondelete="CASCADE"), nullable=True, index=True
    )
    participant: Mapped[str | None] = mapped_column(String(80), nullable=True)
    participant_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Review and sign-off: a third link for the reviewer, the decision, and the frozen snapshot.
    reviewer_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    # The other side of the partnership, invited to answer its questions through its own link.
    partner_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    partner_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    decision_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision_role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decision_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    frozen_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Versions of one partnership's screening: version 2 starts from version 1 (re-assessment).
    version_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", passive_deletes=True
    )
    commitments: Mapped[list[MitigationCommitment]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", passive_deletes=True
    )
    workshop: Mapped[Workshop | None] = relationship(lazy="joined")
    own_findings: Mapped[list[OwnFindingRow]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OwnFindingRow.number",
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Comment.id",
    )


class Answer(Base):
    """One side's answer: the author's (who holds the edit link) or the invited partner's."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id", "side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(10), default="author", server_default="author")
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")


class MitigationCommitment(Base):
    __tablename__ = "mitigation_commitment"
    __table_args__ = (UniqueConstraint("assessment_id", "mitigation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    mitigation_id: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(200), default="")
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="commitments")


class Comment(Base):
    """A reviewer's comment on one question (or on the whole screening when question_id is None)."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="comments")


class AuditEvent(Base):
    """Who (the role of the link used, and the name they gave) changed what, and when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(80), nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)


class OwnFindingRow(Base):
    """A finding the assessor added where the questionnaire misses a risk."""

    __tablename__ = "own_finding"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # "own-<number>"
    check: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    risk: Mapped[str] = mapped_column(Text)
    mitigation: Mapped[str] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(back_populates="own_findings")
