"""SQLAlchemy models: every row belongs to a world, so the key of every table starts with ``world_id``.

There are no foreign keys between entity tables: the fixture loader checks every reference before a
row is written, and keeping the tables independent lets a world be copied table by table with one
``INSERT ... SELECT`` each (see :func:`simulator.store.db.Store.clone_world`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text, false, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .facts import new_version


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no time zone, so store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class World(Base):
    """A self-contained world. Template worlds hold a loaded scenario and are only ever copied."""

    __tablename__ = "worlds"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scenario: Mapped[str] = mapped_column(String(200))
    template: Mapped[bool] = mapped_column(Boolean, default=False)
    source_world_id: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger, default=0)  # any 64-bit seed, as SQLite takes
    clock_anchor: Mapped[datetime] = mapped_column(UtcDateTime)
    clock_wall_anchor: Mapped[datetime] = mapped_column(UtcDateTime)
    clock_frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ticket_seq: Mapped[int] = mapped_column(Integer, default=0)  # the last ticket number given in this world
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # wall time, for the idle TTL
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)  # idle time after which the world is deleted
    # Azure's ticket and communication creates answer the long-running way (202, then operationsStatus).
    azure_long_running_creates: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Replaced by every change of the world's facts (see simulator.store.facts): the key of their cache.
    facts_version: Mapped[str] = mapped_column(String(32), default=new_version)


class SigningKey(Base):
    """RSA keys that sign tokens; shared by every worker through the database."""

    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorldRow:
    world_id: Mapped[str] = mapped_column(String(64), primary_key=True, sort_order=-1)


class Tenant(WorldRow, Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # partner | customer
    name: Mapped[str] = mapped_column(String(200))
    cloud: Mapped[str] = mapped_column(String(16))
    default_domain: Mapped[str] = mapped_column(String(255))
    mpn_id: Mapped[str | None] = mapped_column(String(20))
    indirect_provider_id: Mapped[str | None] = mapped_column(String(36))
    profile: Mapped[dict] = mapped_column(JSON, default=dict)
    __table_args__ = (Index("ix_tenants_key", "world_id", "key"),)


class Domain(WorldRow, Base):
    __tablename__ = "domains"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class User(WorldRow, Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    key: Mapped[str] = mapped_column(String(100))
    upn: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40))
    partner_roles: Mapped[list] = mapped_column(JSON, default=list)
    directory_roles: Mapped[list] = mapped_column(JSON, default=list)  # Entra role template ids
    __table_args__ = (Index("ix_users_upn", "world_id", "upn"), Index("ix_users_tenant", "world_id", "tenant_id"))


class Group(WorldRow, Base):
    __tablename__ = "groups"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))
    key: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))


class GroupMember(WorldRow, Base):
    __tablename__ = "group_members"
    group_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    __table_args__ = (Index("ix_group_members_user", "world_id", "user_id"),)


class App(WorldRow, Base):
    __tablename__ = "apps"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the client id
    tenant_id: Mapped[str] = mapped_column(String(36))
    key: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list] = mapped_column(JSON, default=list)


class PartnerRelationship(WorldRow, Base):
    """A commercial relationship between a partner and a customer (R1)."""

    __tablename__ = "partner_relationships"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        Index("ix_prel_partner", "world_id", "partner_id"),
        Index("ix_prel_customer", "world_id", "customer_id"),
    )


class Subscription(WorldRow, Base):
    __tablename__ = "subscriptions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))  # the owner: a customer, or a partner for its own
    key: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    workload: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    is_trial: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(36))
    reseller_id: Mapped[str | None] = mapped_column(String(36))
    offer_id: Mapped[str] = mapped_column(String(64))
    offer_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    billing_cycle: Mapped[str] = mapped_column(String(16))
    term_duration: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    product_id: Mapped[str | None] = mapped_column(String(36))
    support_plan: Mapped[dict | None] = mapped_column(JSON)
    __table_args__ = (Index("ix_subscriptions_tenant", "world_id", "tenant_id"),)


class RbacAssignment(WorldRow, Base):
    __tablename__ = "rbac_assignments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(36))
    principal_id: Mapped[str] = mapped_column(String(36))
    principal_type: Mapped[str] = mapped_column(String(16))  # group | user
    role: Mapped[str] = mapped_column(String(64))
    __table_args__ = (Index("ix_rbac_subscription", "world_id", "subscription_id"),)


class GdapRelationship(WorldRow, Base):
    __tablename__ = "gdap_relationships"
    id: Mapped[str] = mapped_column(String(73), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[str] = mapped_column(String(36))
    customer_id: Mapped[str | None] = mapped_column(String(36))
    display_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    duration: Mapped[str] = mapped_column(String(16))
    auto_extend_duration: Mapped[str] = mapped_column(String(16))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_modified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        Index("ix_gdap_partner", "world_id", "partner_id"),
        Index("ix_gdap_customer", "world_id", "customer_id"),
    )


class GdapAccessAssignment(WorldRow, Base):
    __tablename__ = "gdap_access_assignments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relationship_id: Mapped[str] = mapped_column(String(73))
    group_id: Mapped[str] = mapped_column(String(36))
    roles: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_modified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (Index("ix_gdap_assignment_rel", "world_id", "relationship_id"),)


class GdapRequest(WorldRow, Base):
    """A relationship request (lockForApproval, approve, terminate): its effect settles by the world's clock
    (``domain.gdap.SETTLE_TIME`` after ``created_at``)."""

    __tablename__ = "gdap_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relationship_id: Mapped[str] = mapped_column(String(73))
    action: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_gdap_request_rel", "world_id", "relationship_id"),)


class GdapOperation(WorldRow, Base):
    """A long-running operation on a relationship (an access assignment's update), settled by the world's clock."""

    __tablename__ = "gdap_operations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    relationship_id: Mapped[str] = mapped_column(String(73))
    operation_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    __table_args__ = (Index("ix_gdap_operation_rel", "world_id", "relationship_id"),)


class MarketplaceProduct(WorldRow, Base):
    __tablename__ = "marketplace_products"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    publisher: Mapped[str] = mapped_column(String(200))
    support_url: Mapped[str | None] = mapped_column(String(500))
    support_email: Mapped[str | None] = mapped_column(String(255))
    support_phone: Mapped[str | None] = mapped_column(String(40))


class ServiceHealth(WorldRow, Base):
    """A workload's service health as one customer tenant sees it (R5)."""

    __tablename__ = "service_health"
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))


class ServiceIssue(WorldRow, Base):
    __tablename__ = "service_issues"
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    classification: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    feature: Mapped[str] = mapped_column(String(200))
    feature_group: Mapped[str] = mapped_column(String(200))
    impact_description: Mapped[str] = mapped_column(Text)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    is_resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    posts: Mapped[list] = mapped_column(JSON, default=list)
    last_modified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Ticket(WorldRow, Base):
    """One support ticket, whichever surface filed it: Partner Center, Azure support or Microsoft 365 admin."""

    __tablename__ = "tickets"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)  # numeric, like the real ticket ids
    name: Mapped[str] = mapped_column(String(200))  # ARM supportTicketName; the id for other surfaces
    origin: Mapped[str] = mapped_column(String(16))  # partnercenter | azure | m365admin
    tenant_id: Mapped[str] = mapped_column(String(36))  # the tenant the ticket belongs to (customer, or partner's own)
    customer_id: Mapped[str | None] = mapped_column(String(36))
    partner_id: Mapped[str | None] = mapped_column(String(36))  # the partner that filed it, if one did
    subscription_id: Mapped[str | None] = mapped_column(String(36))
    workload: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))  # open | attention_needed | closed
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_transition_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    topic_id: Mapped[str | None] = mapped_column(
        String(200)
    )  # PC support topic, ARM problem classification, M365 category
    topic_name: Mapped[str | None] = mapped_column(String(200))
    service_id: Mapped[str | None] = mapped_column(String(200))
    support_plan: Mapped[str] = mapped_column(String(100))
    support_plan_id: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[dict] = mapped_column(JSON, default=dict)
    product_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    country: Mapped[str] = mapped_column(String(3), default="US")
    locale: Mapped[str] = mapped_column(String(10), default="en-US")
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # surface-specific fields, kept as given
    __table_args__ = (
        Index("ix_tickets_tenant", "world_id", "tenant_id", "created_at"),
        Index("ix_tickets_partner", "world_id", "partner_id", "created_at"),
        Index("ix_tickets_subscription", "world_id", "subscription_id", "name"),
        Index("ix_tickets_due", "world_id", "next_transition_at"),
    )


# ARM ticket names are case-insensitive: creates check and reads find them by lower(name).
Index("ix_tickets_lower_name", Ticket.world_id, func.lower(Ticket.name))


class TicketNote(WorldRow, Base):
    """A note on a ticket (Partner Center notes, ARM communications, M365 notes are the same thing)."""

    __tablename__ = "ticket_notes"
    ticket_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # ARM communicationName
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(255))
    author_kind: Mapped[str] = mapped_column(String(16))  # partner | customer | microsoft
    subject: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text)


class RequestKey(WorldRow, Base):
    """A create's retry key (Partner Center's ``MS-RequestId``): the same partner sending the same key again within
    the window gets the first result, not a second ticket."""

    __tablename__ = "request_keys"
    partner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str | None] = mapped_column(String(36))  # the customer it was filed for (None: the partner)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AzureOperation(WorldRow, Base):
    """A long-running create on the Azure surface (a ticket or a communication), polled through ARM's
    ``operationsStatus`` and ``operationResults``."""

    __tablename__ = "azure_operations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36))  # the scope: the tenant's tenant-level resources, or
    subscription_id: Mapped[str | None] = mapped_column(String(36))  # a subscription's
    ticket_id: Mapped[str] = mapped_column(String(20))
    note_seq: Mapped[int | None] = mapped_column(Integer)  # a communication's; None for the ticket itself
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    polls: Mapped[int] = mapped_column(Integer, default=0)


class FileWorkspace(WorldRow, Base):
    """An Azure support file workspace: a subscription's, or a tenant's (``subscription_id`` None)."""

    __tablename__ = "file_workspaces"
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scope: Mapped[str] = mapped_column(String(36), primary_key=True)  # the subscription id, or "" (tenant level)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # lower case: names are case-insensitive
    display_name: Mapped[str] = mapped_column(String(200))  # as created
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WorkspaceFile(WorldRow, Base):
    """A file of a file workspace, uploaded in chunks (base64 text, each chunk kept as sent)."""

    __tablename__ = "workspace_files"
    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scope: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(200), primary_key=True)  # lower case
    name: Mapped[str] = mapped_column(String(260), primary_key=True)  # lower case
    display_name: Mapped[str] = mapped_column(String(260))
    chunk_size: Mapped[int] = mapped_column(Integer)
    file_size: Mapped[int] = mapped_column(Integer)
    number_of_chunks: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[dict] = mapped_column(JSON, default=dict)  # chunk index (text) -> its bytes' length
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChatTranscript(WorldRow, Base):
    """A chat between the ticket's filer and Microsoft Support (added through the control plane)."""

    __tablename__ = "chat_transcripts"
    ticket_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    messages: Mapped[list] = mapped_column(JSON, default=list)  # [{sender, body, communicationDirection, at}]


class JournalEntry(WorldRow, Base):
    """One request to a world: who asked what, the answer, and the rules that decided it."""

    __tablename__ = "journal"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the request id
    seq: Mapped[int] = mapped_column(BigInteger)  # microseconds since the epoch: past 32 bits
    at: Mapped[datetime] = mapped_column(UtcDateTime)  # world time
    surface: Mapped[str] = mapped_column(String(32))
    # The request as received, whatever its length (PostgreSQL enforces VARCHAR lengths, SQLite does not).
    method: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(Text)
    tenant_id: Mapped[str | None] = mapped_column(String(36))
    rule: Mapped[str | None] = mapped_column(String(8))  # the rule that denied, if one did
    fault: Mapped[str | None] = mapped_column(String(64))  # the injected fault, if one answered
    decisions: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (Index("ix_journal_seq", "world_id", "seq"),)


class FaultRule(WorldRow, Base):
    """An injected fault: matching requests get an error, a delay or a dropped connection."""

    __tablename__ = "fault_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    surface: Mapped[str] = mapped_column(String(32))  # a surface name or '*'
    method: Mapped[str] = mapped_column(String(10))  # a method or '*'
    path: Mapped[str] = mapped_column(Text)  # a glob on the path inside the surface
    tenant_id: Mapped[str | None] = mapped_column(String(36))  # only requests acting in this tenant
    kind: Mapped[str] = mapped_column(String(16))  # status | latency | drop
    status: Mapped[int | None] = mapped_column(Integer)
    retry_after: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    remaining: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    probability: Mapped[float] = mapped_column(default=1.0)
    seed: Mapped[int] = mapped_column(BigInteger, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=0)  # matching requests so far
    fired: Mapped[int] = mapped_column(Integer, default=0)
    created_seq: Mapped[int] = mapped_column(Integer, default=0)


WORLD_TABLES = [t for t in Base.metadata.sorted_tables if "world_id" in t.c]
# A world's data: copied to make a world, restored by reset and snapshot restore. The journal (its history)
# and its fault rules (its test set-up) are not data: never copied, kept by reset.
DATA_TABLES = [t for t in WORLD_TABLES if t.name not in ("journal", "fault_rules")]
