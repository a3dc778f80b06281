//! What every page shows around its content: the signed-in user, the navigation (by rights), the
//! notice after an action; and small display helpers (dates in China time, labels).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use jiceng_types::Right;

use crate::extract::Me;

/// One navigation entry.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Link.
    pub href: String,
    /// Label.
    pub label: &'static str,
    /// The current page belongs here.
    pub active: bool,
    /// Not yet available (shown, honestly marked).
    pub soon: bool,
}

/// A capability area that is not open yet: its key, label and what it will hold.
pub struct Area {
    /// URL key.
    pub key: &'static str,
    /// Label.
    pub label: &'static str,
    /// What the area will do.
    pub about: &'static str,
}

/// The capability areas not yet open, in navigation order.
pub const AREAS: &[Area] = &[
    Area {
        key: "assess", label: "五强创建", about: "“五强组织”创建、星级评定、软弱涣散党组织整顿与述职评议考核。"
    },
    Area {
        key: "village",
        label: "集体经济与驻村",
        about: "村级集体经济收入、驻村第一书记和工作队在岗情况、“四不两直”检查与“双通报”。",
    },
    Area {
        key: "govern", label: "基层治理", about: "网格与十联户、矛盾纠纷化解、吹哨报到、信访包案与办实事。"
    },
    Area { key: "reports", label: "台账报表", about: "由记录自动生成的台账、排名与年终报表。" },
];

/// The frame of every signed-in page.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Page title.
    pub title: String,
    /// The user's name.
    pub user_name: String,
    /// The user's role.
    pub role_label: &'static str,
    /// The user's organization.
    pub org_name: String,
    /// Navigation, business part.
    pub nav: Vec<NavItem>,
    /// Navigation, system part.
    pub nav_system: Vec<NavItem>,
    /// A notice to show (after a redirect).
    pub flash: Option<&'static str>,
}

fn item(href: &str, label: &'static str, active: &str, key: &str) -> NavItem {
    NavItem { href: href.into(), label, active: active == key, soon: false }
}

impl Ctx {
    /// The frame for `me`, with the navigation entry `active` highlighted.
    pub fn new(me: &Me, title: impl Into<String>, active: &str) -> Ctx {
        let s = me.scope();
        let mut nav = vec![item("/", "首页", active, "home")];
        if s.can(Right::ReadOrgs) && !s.role().is_some_and(|r| r.is_system() && !s.can(Right::CreateRootOrgs)) {
            nav.push(item("/orgs", "组织体系", active, "orgs"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/members", "党员队伍", active, "members"));
        } else if s.can(Right::ReadSelf) {
            nav.push(item("/members/me", "我的党员信息", active, "members"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/transfers", "组织关系转接", active, "transfers"));
            nav.push(item("/recruits", "发展党员", active, "recruits"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/meetings", "组织生活", active, "meetings"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/compliance", "组织生活检查", active, "compliance"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/study-items", "第一议题", active, "study_items"));
            nav.push(item("/training", "教育培训", active, "training"));
        }
        if s.can(Right::ReadMembers) {
            nav.push(item("/quality", "数据质量", active, "quality"));
        }
        if s.can(Right::WriteRecords) || s.can(Right::WriteOrgs) {
            nav.push(item("/import", "Excel导入", active, "import"));
        }
        if s.can(Right::ReadMembers) || s.can(Right::ReadSelf) {
            for a in AREAS {
                nav.push(NavItem {
                    href: format!("/areas/{}", a.key),
                    label: a.label,
                    active: active == a.key,
                    soon: true,
                });
            }
        }
        let mut nav_system = Vec::new();
        if s.can(Right::ReadUsers) {
            nav_system.push(item("/users", "账号管理", active, "users"));
        }
        if s.can(Right::ReadAudit) {
            nav_system.push(item("/audit", "审计记录", active, "audit"));
        }
        if s.can(Right::SecurityPolicy) {
            nav_system.push(item("/security", "安全策略", active, "security"));
        }
        nav_system.push(item("/account", "我的账号", active, "account"));
        let u = &me.authed.user;
        Ctx {
            title: title.into(),
            user_name: u.display_name.clone(),
            role_label: u.role.label(),
            org_name: u.org_name.clone().unwrap_or_default(),
            nav,
            nav_system,
            flash: None,
        }
    }

    /// Show the notice named by `done` (a known key from a redirect), if any.
    pub fn with_flash(mut self, done: Option<&str>) -> Ctx {
        self.flash = done.and_then(flash_message);
        self
    }

    /// URL of an embedded asset.
    pub fn asset(&self, file: &str) -> String {
        crate::assets::url(file)
    }
}

/// The notices that can follow an action (`?done=…`).
pub fn flash_message(key: &str) -> Option<&'static str> {
    Some(match key {
        "org_created" => "组织已建立。",
        "org_updated" => "组织信息已保存。",
        "org_moved" => "隶属关系已调整。",
        "org_dissolved" => "组织已撤销，历史记录已保留。",
        "org_merged" => "组织已合并。",
        "user_disabled" => "账号已停用，其所有会话已结束。",
        "user_enabled" => "账号已启用。",
        "sessions_ended" => "会话已结束。",
        "password_changed" => "密码已修改。",
        "policy_saved" => "安全策略已保存。",
        "token_revoked" => "访问令牌已吊销。",
        "member_created" => "党员已登记入册。",
        "member_updated" => "党员信息已保存。",
        "member_status" => "状态变更已记录。",
        "transfer_started" => "组织关系转接已发起；接收方党组织接收前，该党员仍由本组织管理。",
        "transfer_accepted" => "已接收，该党员的组织关系已转入。",
        "transfer_returned" => "已退回转出方党组织。",
        "transfer_cancelled" => "已撤回。",
        "letter_voided" => "介绍信已作废。",
        "letter_issued" => "介绍信已开具，请打印后交党员本人。",
        "receipt_recorded" => "回执已登记，该党员已从本县名册转出。",
        "import_undone" => "上次导入已撤销：新增的党员已删除，更新的党员已恢复原值。",
        "rules_saved" => "规则参数已保存，所有检查立即按新参数计算。",
        "import_cancelled" => "已取消，本次导入未写入任何数据。",
        _ => return None,
    })
}

/// The URL of an asset (for templates without a [`Ctx`]).
pub fn asset(file: &str) -> String {
    crate::assets::url(file)
}

/// A date as `2024-03-12`, or an empty string.
pub fn date(d: &Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// China Standard Time (UTC+8; no daylight saving since 1991).
const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(o) => o,
    None => panic!("UTC+8 is a valid offset"),
};

/// A time in China (UTC+8), to the minute.
pub fn time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&CST).format("%Y-%m-%d %H:%M").to_string()
}

/// An optional time in China, or `—`.
pub fn opt_time(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(time).unwrap_or_else(|| "—".into())
}

/// Today in China.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&CST).date_naive()
}
