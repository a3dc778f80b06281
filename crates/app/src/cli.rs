//! The command line: every command, flag and its help text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// jiceng 基层党建工作平台：一个程序，内置数据库，无需另行安装。
#[derive(Debug, Parser)]
#[command(name = "jiceng", version, about, long_about = None)]
pub struct Cli {
    /// 以 JSON 格式输出日志（便于日志系统收集）
    #[arg(long, global = true)]
    pub log_json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动网页服务（首次启动时自动建库并创建系统管理员）
    Serve(ServeArgs),
    /// 载入一个模拟县（演示、测试与性能测量用）
    Demo(DemoArgs),
    /// 升级数据库结构到当前版本
    Migrate(DbArgs),
    /// 管理账号
    #[command(subcommand)]
    User(UserCmd),
    /// 从 Excel/CSV 导入党员、党组织、会议记录或“第一议题”学习内容
    #[command(subcommand)]
    Import(ImportCmd),
    /// 把党员或党组织名单导出为 Excel/CSV
    #[command(subcommand)]
    Export(ExportCmd),
    /// 在线备份数据库到文件
    Backup(BackupArgs),
    /// 从备份文件恢复数据库（须先停止服务）
    Restore(BackupArgs),
    /// 审计记录
    #[command(subcommand)]
    Audit(AuditCmd),
    /// 检查组织生活（三会一课、主题党日、第一议题、学时等）并列出问题；子命令 recruit 检查发展党员花名册
    Check(CheckArgs),
}

/// `jiceng check [--org CODE] --from DATE --to DATE [--format json|table]`, or a subcommand
/// (`jiceng check recruit FILE`), which takes none of these arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct CheckArgs {
    /// A check of its own (then none of the arguments below is given).
    #[command(subcommand)]
    pub command: Option<CheckCmd>,
    #[command(flatten)]
    pub db: DbArgs,
    /// 只检查该组织（代码）及其下级
    #[arg(long)]
    pub org: Option<String>,
    /// 检查期间的开始日期（如 2025-01-01）
    #[arg(long, required = true)]
    pub from: Option<String>,
    /// 检查期间的结束日期（如 2025-12-31）
    #[arg(long, required = true)]
    pub to: Option<String>,
    /// 以该日为“今天”判断是否逾期（默认今天）
    #[arg(long)]
    pub as_of: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// The checks of `jiceng check` that are subcommands.
#[derive(Debug, Subcommand)]
pub enum CheckCmd {
    /// 检查发展党员花名册（.xlsx、.xls、.csv，每人一行）：逐行列出各环节日期的时间间隔、先后顺序和超期问题（不需要数据库）
    Recruit(CheckRecruitArgs),
}

/// `jiceng check recruit FILE [--as-of DATE] [--rules FILE.json] [--format json|table]`
#[derive(Debug, Args)]
pub struct CheckRecruitArgs {
    /// 花名册文件（.xlsx、.xls、.csv，每人一行；列名见用户手册“发展党员”一章）
    pub file: PathBuf,
    /// 以该日为“今天”判断是否超期（默认今天）
    #[arg(long)]
    pub as_of: Option<String>,
    /// 规则参数文件（JSON，只写与全国默认值不同的参数，如 {"dev.talk_within":2}）
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// 输出格式
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// Where the data lives.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// 数据库地址，如 sqlite://./jiceng-data/jiceng.db 或 postgres://用户:密码@主机/库名
    #[arg(long, env = "JICENG_DATABASE_URL")]
    pub db: Option<String>,
    /// 数据目录（默认数据库文件、附件存放处）
    #[arg(long, env = "JICENG_DATA_DIR", default_value = "./jiceng-data")]
    pub data_dir: PathBuf,
}

/// `jiceng serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 监听地址
    #[arg(long, env = "JICENG_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 启动前载入模拟县（仅当数据库中还没有组织时）
    #[arg(long)]
    pub demo: bool,
    /// 经 HTTPS 提供服务（直接或经反向代理）：Cookie 加 Secure，响应加 HSTS
    #[arg(long, env = "JICENG_TLS")]
    pub tls: bool,
    /// 信任反向代理的 X-Forwarded-For 头以记录用户真实地址（仅在代理之后使用）
    #[arg(long, env = "JICENG_TRUST_FORWARDED")]
    pub trust_forwarded: bool,
    /// 启动后在后台把各县的组织生活记录读入内存，使第一次组织生活检查不必等待（省级规模建议开启；默认在第一次检查时读入）
    #[arg(long, env = "JICENG_PRELOAD")]
    pub preload: bool,
}

/// The size of a synthetic county.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScaleArg {
    /// 约50个组织、800名党员
    Tiny,
    /// 约2100个组织、4万名党员
    County,
    /// 约8万个组织、150万名党员
    Province,
}

/// `jiceng demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 规模
    #[arg(long, value_enum, default_value = "county")]
    pub scale: ScaleArg,
    /// 随机种子（同一种子生成同一个县）
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// 演示账号的统一密码（默认随机生成并打印）
    #[arg(long, env = "JICENG_DEMO_PASSWORD")]
    pub password: Option<String>,
}

/// `jiceng user …`
#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// 新建账号，打印一次性初始密码
    Add(UserAddArgs),
    /// 停用账号（立即结束其所有会话）
    Disable(UserNameArgs),
    /// 重新启用账号
    Enable(UserNameArgs),
    /// 重置密码为新的一次性密码
    ResetPassword(UserNameArgs),
    /// 列出账号
    List(UserListArgs),
}

/// `jiceng user add`
#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 用户名（字母、数字、_ . -）
    pub username: String,
    /// 姓名
    #[arg(long)]
    pub name: String,
    /// 角色：county_admin, township_admin, branch_secretary, member, auditor, system_admin, security_admin, audit_admin（或中文名称）
    #[arg(long)]
    pub role: String,
    /// 所属组织代码（系统管理员、安全管理员、审计管理员不填）
    #[arg(long)]
    pub org: Option<String>,
}

/// A command on one account.
#[derive(Debug, Args)]
pub struct UserNameArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 用户名
    pub username: String,
}

/// Output format.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// 表格
    Table,
    /// JSON
    Json,
}

/// `jiceng user list`
#[derive(Debug, Args)]
pub struct UserListArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 输出格式
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// `jiceng backup FILE` / `jiceng restore FILE`
#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 备份文件
    pub file: PathBuf,
}

/// `jiceng audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// 校验审计链，指出第一条被篡改或缺失的记录
    Verify(DbArgs),
}

/// `jiceng import …`
#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// 导入党员名册（.xlsx、.xls、.csv；按身份证号匹配，重复导入只更新有变化的人）
    Members(ImportArgs),
    /// 导入党组织（组织名称、组织代码、上级组织、组织类别、所属领域、成立日期、本届届满日期）
    Orgs(ImportArgs),
    /// 导入以往的会议记录（组织名称/组织代码、会议类型、日期、主题、应到人数、实到人数、缺席人员、第一议题；重复导入不重复登记）
    Meetings(ImportArgs),
    /// 导入“第一议题”学习内容（标题、发布日期、学习时限(天)、适用层级、来源、备注；--org 指定登记册所属的县委）
    StudyItems(ImportArgs),
}

/// Arguments of an import.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 要导入的文件
    pub file: PathBuf,
    /// 只导入到该组织（代码）及其下级；未填所在组织的行归入该组织
    #[arg(long)]
    pub org: Option<String>,
    /// 只检查、不写入
    #[arg(long)]
    pub dry_run: bool,
    /// 输出格式
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

/// `jiceng export …`
#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// 导出党员名册（格式与导入模板相同）
    Members(ExportArgs),
    /// 导出党组织（格式与导入模板相同）
    Orgs(ExportArgs),
}

/// Arguments of an export.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// 只导出该组织（代码）及其下级
    #[arg(long)]
    pub org: Option<String>,
    /// 输出文件（.xlsx 或 .csv）
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}
