//! `approvals` and `audit`: decisions that need a person, and who made them when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use uuid::Uuid;

use super::dialect::on_store;
use super::{Page, Paged, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 3] = [Self::Pending, Self::Approved, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Approval {
    pub id: Uuid,
    /// What is asked, e.g. `spawn_agent`.
    pub kind: String,
    /// What it is about, e.g. the agent id.
    pub subject: String,
    pub request: Value,
    pub status: ApprovalStatus,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, ts_rs::TS)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[sqlx(json(nullable))]
    pub detail: Option<Value>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: String,
    subject: String,
    request: Json<Value>,
    status: String,
    requested_at: DateTime<Utc>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    comment: Option<String>,
}

impl TryFrom<Row> for Approval {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |detail: String| StoreError::Corrupt {
            table: "approvals",
            detail,
        };
        Ok(Self {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt(format!("id {:?}", row.id)))?,
            status: ApprovalStatus::parse(&row.status)
                .ok_or_else(|| corrupt(format!("status {:?}", row.status)))?,
            kind: row.kind,
            subject: row.subject,
            request: row.request.0,
            requested_at: row.requested_at,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            comment: row.comment,
        })
    }
}

/// An audit entry about to be written with a change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: Value,
}

pub(super) const AUDIT_INSERT: &str =
    "INSERT INTO audit (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)";

const COLUMNS: &str = "CAST(id AS TEXT) AS id, kind, subject, request, status, requested_at, \
    decided_by, decided_at, comment";

impl Store {
    pub async fn insert_approval(&self, approval: &Approval) -> Result<(), StoreError> {
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO approvals (id, kind, subject, request, status, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(d::uuid(approval.id))
            .bind(&approval.kind)
            .bind(&approval.subject)
            .bind(Json(&approval.request))
            .bind(approval.status.as_str())
            .bind(approval.requested_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn approval(&self, id: Uuid) -> Result<Option<Approval>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM approvals WHERE id = $1"))
                .bind(d::uuid(id))
                .fetch_optional(pool)
                .await?
        });
        row.map(Approval::try_from).transpose()
    }

    /// The pending approval of `kind` for `subject`, if one waits.
    pub async fn pending_approval(
        &self,
        kind: &str,
        subject: &str,
    ) -> Result<Option<Approval>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM approvals WHERE status = $1 AND kind = $2 AND subject = $3 \
                 ORDER BY requested_at LIMIT 1"
            ))
            .bind(ApprovalStatus::Pending.as_str())
            .bind(kind)
            .bind(subject)
            .fetch_optional(pool)
            .await?
        });
        row.map(Approval::try_from).transpose()
    }

    /// Approvals (of one status when given), newest first, up to `limit`.
    pub async fn approvals(
        &self,
        status: Option<ApprovalStatus>,
        limit: u32,
    ) -> Result<Vec<Approval>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM approvals WHERE $1 IS NULL OR status = $1 \
                 ORDER BY requested_at DESC LIMIT $2"
            ))
            .bind(status.map(ApprovalStatus::as_str))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Approval::try_from).collect()
    }

    /// Decides a pending approval and writes the audit entry, in one
    /// transaction; false when it was no longer pending (decided meanwhile).
    pub async fn decide_approval(
        &self,
        id: Uuid,
        status: ApprovalStatus,
        by: &str,
        comment: Option<&str>,
    ) -> Result<bool, StoreError> {
        let now = Utc::now();
        let action = format!("approval_{}", status.as_str());
        let decided = on_store!(self, pool, d => {
            let mut tx = pool.begin().await?;
            let updated = sqlx::query(
                "UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4, comment = $5 \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind(d::uuid(id))
            .bind(status.as_str())
            .bind(by)
            .bind(now)
            .bind(comment)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 1 {
                sqlx::query(AUDIT_INSERT)
                .bind(now)
                .bind(by)
                .bind(&action)
                .bind(id.to_string())
                .bind(Json(serde_json::json!({ "comment": comment })))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            updated == 1
        });
        Ok(decided)
    }

    /// Appends to the audit trail: who did what to which subject.
    pub async fn record_audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &Value,
    ) -> Result<(), StoreError> {
        on_store!(self, pool, d => {
            sqlx::query(AUDIT_INSERT)
                .bind(Utc::now())
                .bind(actor)
                .bind(action)
                .bind(subject)
                .bind(Json(detail))
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Who did what, newest first.
    pub async fn audit(&self, page: &Page) -> Result<Paged<AuditEntry>, StoreError> {
        let rows: Vec<AuditEntry> = on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT id, at, actor, action, subject, detail FROM audit \
                 WHERE $1 IS NULL OR id < $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(page.before)
            .bind(page.fetch())
            .fetch_all(pool)
            .await?
        });
        Ok(Paged::from_rows(
            rows.into_iter().map(|entry| (entry.id, entry)).collect(),
            page,
        ))
    }

    /// A JSON setting, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let value: Option<Json<Value>> = on_store!(self, pool, d => {
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?
        });
        Ok(value.map(|Json(v)| v))
    }

    pub async fn put_setting(&self, key: &str, value: &Value) -> Result<(), StoreError> {
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(Json(value))
            .bind(Utc::now())
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
