//! Imports in progress: an upload is read, validated and compared with the roster on a
//! background task while the browser polls its page; the worked-out plan waits here for the
//! user's confirmation, then is applied, again in the background. Jobs live in memory (a restart
//! forgets them, and the user uploads again), belong to the account that started them, and
//! expire after an hour.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiceng_exchange::{ImportOptions, Limits, OrgRow, ParsedImport, RowError, Warning};
use jiceng_store::meeting::import::{self as meeting_import, MeetingPlan, StudyPlan};
use jiceng_store::member::import::{self as member_import, FieldChange, Plan, PlanItem, Summary};
use jiceng_store::{Db, Meta, org};
use jiceng_types::{Scope, UserId};

/// How long a job is kept after it was started.
const TTL: Duration = Duration::from_secs(3600);
/// Most jobs kept at once (all users); the oldest finished ones go first.
const MAX_JOBS: usize = 64;
/// Rows of each kind shown in a preview (the rest are counted).
pub const PREVIEW_ROWS: usize = 200;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 党员
    Members,
    /// 党组织
    Orgs,
    /// 会议记录 (past meetings, counts only)
    Meetings,
    /// “第一议题”学习内容
    StudyItems,
}

impl Kind {
    /// Every kind, in the order of the import page's tabs.
    pub const ALL: [Kind; 4] = [Kind::Members, Kind::Orgs, Kind::Meetings, Kind::StudyItems];

    /// From the URL.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "members" => Some(Kind::Members),
            "orgs" => Some(Kind::Orgs),
            "meetings" => Some(Kind::Meetings),
            "study_items" => Some(Kind::StudyItems),
            _ => None,
        }
    }

    /// The URL key.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Orgs => "orgs",
            Kind::Meetings => "meetings",
            Kind::StudyItems => "study_items",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Members => "党员",
            Kind::Orgs => "党组织",
            Kind::Meetings => "会议记录",
            Kind::StudyItems => "第一议题学习内容",
        }
    }

    /// The columns of the preview table of a kind previewed as [`RecordRow`]s.
    pub fn record_headers(self) -> &'static [&'static str] {
        match self {
            Kind::Meetings => &["党组织", "日期", "会议类型", "主题", "应到/实到", "第一议题"],
            Kind::StudyItems => &["标题", "发布日期", "适用层级", "学习时限"],
            Kind::Members | Kind::Orgs => &[],
        }
    }
}

/// A meeting or study item as previewed: new or already stored.
#[derive(Debug, Clone)]
pub struct RecordRow {
    /// Excel row.
    pub row: u32,
    /// Already stored: nothing will be written.
    pub unchanged: bool,
    /// The cells, in the order of [`Kind::record_headers`].
    pub cells: Vec<String>,
}

/// A new member as previewed.
#[derive(Debug, Clone)]
pub struct NewRow {
    /// Excel row.
    pub row: u32,
    /// Name.
    pub name: String,
    /// Masked ID number.
    pub id_masked: String,
    /// Organization.
    pub org: String,
}

/// A changed member as previewed.
#[derive(Debug, Clone)]
pub struct ChangedRow {
    /// Excel row.
    pub row: u32,
    /// Name.
    pub name: String,
    /// Member id (for the link).
    pub member_id: i64,
    /// What changes.
    pub changes: Vec<FieldChange>,
}

/// What a confirmed import would do.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The counts.
    pub summary: Summary,
    /// How many distinct rows are rejected.
    pub rejected_rows: usize,
    /// The first new members.
    pub new_rows: Vec<NewRow>,
    /// The first changed members, with their changes.
    pub changed_rows: Vec<ChangedRow>,
    /// Meetings and study items: the first rows, new and unchanged.
    pub records: Vec<RecordRow>,
}

impl Preview {
    fn of(summary: Summary, items: &[PlanItem]) -> Preview {
        let mut new_rows = Vec::new();
        let mut changed_rows = Vec::new();
        for item in items {
            match item {
                PlanItem::New { row, org, .. } if new_rows.len() < PREVIEW_ROWS => new_rows.push(NewRow {
                    row: row.excel_row,
                    name: row.name.as_str().to_string(),
                    id_masked: row.id_card.masked(),
                    org: org.name.clone(),
                }),
                PlanItem::Update { row, before, changes, .. } if changed_rows.len() < PREVIEW_ROWS => changed_rows
                    .push(ChangedRow {
                        row: row.excel_row,
                        name: row.name.as_str().to_string(),
                        member_id: before.id.0,
                        changes: changes.clone(),
                    }),
                _ => {}
            }
        }
        Preview {
            rejected_rows: rejected_rows(&summary.rejected),
            summary,
            new_rows,
            changed_rows,
            records: Vec::new(),
        }
    }

    fn of_meetings(plan: &MeetingPlan) -> Preview {
        let records = plan
            .items
            .iter()
            .take(PREVIEW_ROWS)
            .map(|m| RecordRow {
                row: m.excel_row,
                unchanged: m.existing.is_some(),
                cells: vec![
                    m.org.name.clone(),
                    m.input.held_on.to_string(),
                    meeting_import::kinds_label(&m.input.kinds),
                    m.input.topic.clone(),
                    format!("{}/{}", m.input.expected, m.input.present),
                    m.study_titles.join("；"),
                ],
            })
            .collect();
        Preview { records, ..Preview::of(plan.summary(), &[]) }
    }

    fn of_study_items(plan: &StudyPlan) -> Preview {
        let records = plan
            .items
            .iter()
            .take(PREVIEW_ROWS)
            .map(|s| RecordRow {
                row: s.excel_row,
                unchanged: s.existing,
                cells: vec![
                    s.input.title.clone(),
                    s.input.published_on.to_string(),
                    s.input.levels.iter().map(|l| l.label()).collect::<Vec<_>>().join("、"),
                    s.input.within_days.map_or_else(|| "按县里设置".to_string(), |d| format!("{d}天")),
                ],
            })
            .collect();
        Preview { records, ..Preview::of(plan.summary(), &[]) }
    }

    /// True if confirming would change anything.
    pub fn has_changes(&self) -> bool {
        self.summary.imported + self.summary.updated > 0
    }
}

/// How many distinct rows the errors name.
pub fn rejected_rows(errors: &[RowError]) -> usize {
    let mut rows: Vec<u32> = errors.iter().map(|e| e.row).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

/// What a ready job holds until it is confirmed.
#[derive(Debug)]
enum Pending {
    Members(Plan),
    Orgs(ParsedImport<OrgRow>),
    Meetings(MeetingPlan),
    StudyItems(StudyPlan),
}

/// Where a job stands.
#[derive(Debug)]
pub enum Stage {
    /// Reading the file.
    Reading,
    /// Validating the rows.
    Checking {
        /// Rows read.
        rows: usize,
    },
    /// Comparing with the records.
    Comparing {
        /// Valid rows.
        rows: usize,
    },
    /// Worked out; waiting for the user.
    Ready(Preview),
    /// Being applied.
    Applying(Preview),
    /// Applied.
    Done {
        /// The counts.
        summary: Summary,
        /// The import batch (members), for undo.
        batch_id: Option<i64>,
    },
    /// Cancelled by the user.
    Cancelled,
    /// Could not be done; the message is for the user.
    Failed(String),
}

impl Stage {
    /// Still working (the page keeps polling).
    pub fn is_running(&self) -> bool {
        matches!(self, Stage::Reading | Stage::Checking { .. } | Stage::Comparing { .. } | Stage::Applying(_))
    }

    /// What is happening, in Chinese, for the progress line.
    pub fn describe(&self) -> String {
        match self {
            Stage::Reading => "正在读取文件…".into(),
            Stage::Checking { rows } => format!("已读取 {rows} 行，正在逐行校验…"),
            Stage::Comparing { rows } => format!("{rows} 行校验通过，正在与已有记录比对…"),
            Stage::Applying(p) => format!("正在写入 {} 条记录…", p.summary.imported + p.summary.updated),
            Stage::Ready(_) => "检查完成，请确认".into(),
            Stage::Done { .. } => "导入完成".into(),
            Stage::Cancelled => "已取消".into(),
            Stage::Failed(_) => "无法导入".into(),
        }
    }

    /// The step reached, out of 4 (for the progress bar).
    pub fn step(&self) -> u32 {
        match self {
            Stage::Reading => 1,
            Stage::Checking { .. } => 2,
            Stage::Comparing { .. } => 3,
            Stage::Applying(_) => 4,
            _ => 4,
        }
    }
}

/// One import.
#[derive(Debug)]
pub struct Job {
    /// The account that started it.
    pub owner: Option<UserId>,
    /// What it imports.
    pub kind: Kind,
    /// The uploaded file's name.
    pub file_name: String,
    /// The organization chosen for the import.
    pub within: Option<org::Org>,
    /// When it started.
    pub started: Instant,
    /// Where it stands.
    pub stage: Stage,
    /// Rejected rows and warnings, complete (for the page and the problem list).
    pub rejected: Vec<RowError>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    pending: Option<Pending>,
}

type Shared = Arc<Mutex<Job>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Every job of this server.
#[derive(Debug, Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Shared>>,
}

/// The caller could not see or act on this job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobError {
    /// No such job, or not the caller's.
    NotFound,
    /// Not in a state for this action.
    NotReady,
}

impl ImportJobs {
    fn insert(&self, job: Job) -> (String, Shared) {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let shared = Arc::new(Mutex::new(job));
        let mut jobs = lock(&self.jobs);
        jobs.retain(|_, j| lock(j).started.elapsed() < TTL);
        while jobs.len() >= MAX_JOBS {
            let oldest = jobs
                .iter()
                .filter(|(_, j)| !lock(j).stage.is_running())
                .min_by_key(|(_, j)| lock(j).started)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => jobs.remove(&k),
                None => break,
            };
        }
        jobs.insert(token.clone(), shared.clone());
        (token, shared)
    }

    /// The caller's job `token`.
    pub fn get(&self, token: &str, scope: &Scope) -> Result<Shared, JobError> {
        let jobs = lock(&self.jobs);
        let job = jobs.get(token).ok_or(JobError::NotFound)?;
        let j = lock(job);
        if j.owner != scope.user_id() || j.started.elapsed() >= TTL {
            return Err(JobError::NotFound);
        }
        drop(j);
        Ok(job.clone())
    }

    /// More jobs are running than the server takes at once.
    pub fn busy(&self) -> bool {
        lock(&self.jobs).values().filter(|j| lock(j).stage.is_running()).count() >= 4
    }

    /// Start reading and checking an upload in the background; returns the job's token.
    pub fn start(
        &self,
        db: Db,
        scope: Scope,
        kind: Kind,
        file_name: String,
        bytes: Vec<u8>,
        within: Option<org::Org>,
    ) -> String {
        let job = Job {
            owner: scope.user_id(),
            kind,
            file_name: file_name.clone(),
            within: within.clone(),
            started: Instant::now(),
            stage: Stage::Reading,
            rejected: Vec::new(),
            warnings: Vec::new(),
            pending: None,
        };
        let (token, shared) = self.insert(job);
        tokio::spawn(async move {
            let outcome = check(&db, &scope, kind, &file_name, bytes, within.as_ref(), &shared).await;
            let mut j = lock(&shared);
            if matches!(j.stage, Stage::Cancelled) {
                return;
            }
            match outcome {
                Ok((preview, pending)) => {
                    j.rejected = preview.summary.rejected.clone();
                    j.warnings = preview.summary.warnings.clone();
                    j.stage = Stage::Ready(preview);
                    j.pending = Some(pending);
                }
                Err(message) => j.stage = Stage::Failed(message),
            }
        });
        token
    }

    /// Apply a ready job in the background.
    pub fn confirm(&self, db: Db, scope: Scope, meta: Meta, token: &str) -> Result<(), JobError> {
        let shared = self.get(token, &scope)?;
        let (pending, within, file_name) = {
            let mut j = lock(&shared);
            let preview = match std::mem::replace(&mut j.stage, Stage::Cancelled) {
                Stage::Ready(p) => p,
                other => {
                    j.stage = other;
                    return Err(JobError::NotReady);
                }
            };
            let Some(pending) = j.pending.take() else {
                j.stage = Stage::Ready(preview);
                return Err(JobError::NotReady);
            };
            j.stage = Stage::Applying(preview);
            (pending, j.within.clone(), j.file_name.clone())
        };
        tokio::spawn(async move {
            let outcome = match pending {
                Pending::Members(plan) => member_import::apply(&db, &scope, &meta, plan, &file_name)
                    .await
                    .map(|a| (a.summary, Some(a.batch_id))),
                Pending::Orgs(parsed) => {
                    org::import::import(&db, &scope, &meta, parsed, within.as_ref(), false).await.map(|s| (s, None))
                }
                Pending::Meetings(plan) => {
                    meeting_import::apply_meetings(&db, &scope, &meta, plan, &file_name).await.map(|s| (s, None))
                }
                Pending::StudyItems(plan) => {
                    meeting_import::apply_study_items(&db, &scope, &meta, plan).await.map(|s| (s, None))
                }
            };
            let mut j = lock(&shared);
            j.stage = match outcome {
                Ok((summary, batch_id)) => Stage::Done { summary, batch_id },
                Err(e) => Stage::Failed(crate::error::store_message(&e)),
            };
        });
        Ok(())
    }

    /// Drop a job that is waiting for confirmation (or still being checked).
    pub fn cancel(&self, token: &str, scope: &Scope) -> Result<(), JobError> {
        let shared = self.get(token, scope)?;
        let mut j = lock(&shared);
        match j.stage {
            Stage::Applying(_) | Stage::Done { .. } => Err(JobError::NotReady),
            _ => {
                j.stage = Stage::Cancelled;
                j.pending = None;
                Ok(())
            }
        }
    }
}

/// Read, validate and compare: the preview, and what confirming will apply.
async fn check(
    db: &Db,
    scope: &Scope,
    kind: Kind,
    file_name: &str,
    bytes: Vec<u8>,
    within: Option<&org::Org>,
    shared: &Shared,
) -> Result<(Preview, Pending), String> {
    let set = |stage: Stage| {
        let mut j = lock(shared);
        if !matches!(j.stage, Stage::Cancelled) {
            j.stage = stage;
        }
    };
    let name = file_name.to_string();
    let table = tokio::task::spawn_blocking(move || jiceng_exchange::read_table(&bytes, &name, &Limits::default()))
        .await
        .map_err(|_| "读取文件时出错".to_string())?
        .map_err(|e| e.to_string())?;
    set(Stage::Checking { rows: table.rows.len().saturating_sub(1) });
    let options = ImportOptions::default();
    match kind {
        Kind::Members => {
            let parsed = tokio::task::spawn_blocking(move || jiceng_exchange::parse_members_owned(table, &options))
                .await
                .map_err(|_| "校验时出错".to_string())?
                .map_err(|e| e.to_string())?;
            set(Stage::Comparing { rows: parsed.rows.len() });
            let plan =
                member_import::plan(db, scope, parsed, within).await.map_err(|e| crate::error::store_message(&e))?;
            let preview = Preview::of(plan.summary(), &plan.items);
            Ok((preview, Pending::Members(plan)))
        }
        Kind::Orgs => {
            let parsed = tokio::task::spawn_blocking(move || jiceng_exchange::parse_orgs(&table, &options))
                .await
                .map_err(|_| "校验时出错".to_string())?
                .map_err(|e| e.to_string())?;
            set(Stage::Comparing { rows: parsed.rows.len() });
            let meta = Meta::default();
            let summary = org::import::import(db, scope, &meta, parsed.clone(), within, true)
                .await
                .map_err(|e| crate::error::store_message(&e))?;
            let preview = Preview::of(summary, &[]);
            Ok((preview, Pending::Orgs(parsed)))
        }
        Kind::Meetings => {
            let parsed = tokio::task::spawn_blocking(move || jiceng_exchange::parse_meetings(&table, &options))
                .await
                .map_err(|_| "校验时出错".to_string())?
                .map_err(|e| e.to_string())?;
            set(Stage::Comparing { rows: parsed.rows.len() });
            let plan = meeting_import::plan_meetings(db, scope, parsed, within)
                .await
                .map_err(|e| crate::error::store_message(&e))?;
            Ok((Preview::of_meetings(&plan), Pending::Meetings(plan)))
        }
        Kind::StudyItems => {
            let parsed = tokio::task::spawn_blocking(move || jiceng_exchange::parse_study_items(&table, &options))
                .await
                .map_err(|_| "校验时出错".to_string())?
                .map_err(|e| e.to_string())?;
            set(Stage::Comparing { rows: parsed.rows.len() });
            let plan = meeting_import::plan_study_items(db, scope, parsed)
                .await
                .map_err(|e| crate::error::store_message(&e))?;
            Ok((Preview::of_study_items(&plan), Pending::StudyItems(plan)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_rows_are_counted_once_each() {
        let e = |row| RowError { row, column: "姓名".into(), reason: "缺少".into() };
        assert_eq!(rejected_rows(&[e(3), e(3), e(5), e(4), e(5)]), 3);
        assert_eq!(rejected_rows(&[]), 0);
    }

    #[test]
    fn stages_say_what_happens() {
        assert!(Stage::Reading.is_running() && Stage::Checking { rows: 3 }.is_running());
        assert!(!Stage::Cancelled.is_running() && !Stage::Failed("x".into()).is_running());
        assert_eq!(Stage::Checking { rows: 12 }.describe(), "已读取 12 行，正在逐行校验…");
        assert_eq!(Kind::parse("members"), Some(Kind::Members));
        assert_eq!(Kind::parse("x"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.key()), Some(k));
        }
    }
}
