//! Roles and the rights they carry.
//!
//! Business roles are ordered by rank (`Member < BranchSecretary < TownshipAdmin < CountyAdmin`);
//! a manager may only grant roles below their own. The system roles (三员) are separate from the
//! business roles and from each other: each account holds exactly one role, so no account can
//! hold two of the three, and no role holds every right.

use serde::{Deserialize, Serialize};

/// A user's role. Declaration order is rank order within the business roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 党员: self-service reading of one's own record.
    Member,
    /// 支部书记/录入员: records the work of a branch.
    BranchSecretary,
    /// 乡镇/工委管理员: manages a township's or working committee's subtree.
    TownshipAdmin,
    /// 县级管理员: manages the county.
    CountyAdmin,
    /// 审计员: reads everything in scope and the audit trail; writes nothing.
    Auditor,
    /// 系统管理员: manages accounts (三员之一).
    SystemAdmin,
    /// 安全管理员: sets the security policy and manages sessions (三员之一).
    SecurityAdmin,
    /// 审计管理员: reads the whole audit trail, including the other two system roles' actions (三员之一).
    AuditAdmin,
}

/// One right. Rights are derived from the role; they are never stored per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Right {
    /// See the organization tree (structure only).
    ReadOrgs = 1 << 0,
    /// Create, edit, move and dissolve organizations below one's own.
    WriteOrgs = 1 << 1,
    /// Create top-level organizations (system setup).
    CreateRootOrgs = 1 << 2,
    /// Read member records.
    ReadMembers = 1 << 3,
    /// Create and change member records and the records of the work.
    WriteRecords = 1 << 4,
    /// Read the audit trail of one's scope.
    ReadAudit = 1 << 5,
    /// Create, disable and reset accounts of lower roles.
    ManageUsers = 1 << 6,
    /// See the list of accounts.
    ReadUsers = 1 << 7,
    /// Change the security policy and end other users' sessions.
    SecurityPolicy = 1 << 8,
    /// Export lists to files.
    Export = 1 << 9,
    /// Read one's own member record.
    ReadSelf = 1 << 10,
    /// Change county-wide settings (rule parameters).
    CountySettings = 1 << 11,
    /// See ID-card and phone numbers unmasked (each reveal is audited).
    RevealSensitive = 1 << 12,
}

/// A set of rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(u32);

impl Rights {
    /// No rights.
    pub const NONE: Rights = Rights(0);

    /// Every right (only the command-line operator, who owns the machine, holds this).
    pub const ALL: Rights = Rights(u32::MAX);

    /// A set of the given rights.
    pub const fn of(rights: &[Right]) -> Rights {
        let mut bits = 0;
        let mut i = 0;
        while i < rights.len() {
            bits |= rights[i] as u32;
            i += 1;
        }
        Rights(bits)
    }

    /// True if the set holds the right.
    pub fn has(self, right: Right) -> bool {
        self.0 & right as u32 != 0
    }
}

impl Role {
    /// Every role, in display order.
    pub const ALL: &'static [Role] = &[
        Role::CountyAdmin,
        Role::TownshipAdmin,
        Role::BranchSecretary,
        Role::Member,
        Role::Auditor,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    /// The stable key stored in the database.
    pub fn key(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::BranchSecretary => "branch_secretary",
            Role::TownshipAdmin => "township_admin",
            Role::CountyAdmin => "county_admin",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Member => "党员",
            Role::BranchSecretary => "支部书记/录入员",
            Role::TownshipAdmin => "乡镇/工委管理员",
            Role::CountyAdmin => "县级管理员",
            Role::Auditor => "审计员",
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::AuditAdmin => "审计管理员",
        }
    }

    /// Parse from the key or the label.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL.iter().copied().find(|r| r.key() == s || r.label() == s)
    }

    /// The 三员: system, security and audit administrators. They are not in the organization tree.
    pub fn is_system(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin)
    }

    /// Roles that belong to an organization (every role but the 三员).
    pub fn needs_org(self) -> bool {
        !self.is_system()
    }

    /// The rights this role carries.
    pub fn rights(self) -> Rights {
        use Right::*;
        match self {
            Role::Member => Rights::of(&[ReadOrgs, ReadSelf]),
            Role::BranchSecretary => {
                Rights::of(&[ReadOrgs, ReadMembers, WriteRecords, Export, ReadSelf, RevealSensitive])
            }
            Role::TownshipAdmin => Rights::of(&[
                ReadOrgs,
                WriteOrgs,
                ReadMembers,
                WriteRecords,
                ManageUsers,
                ReadUsers,
                Export,
                ReadSelf,
                RevealSensitive,
            ]),
            Role::CountyAdmin => Rights::of(&[
                ReadOrgs,
                WriteOrgs,
                ReadMembers,
                WriteRecords,
                ManageUsers,
                ReadUsers,
                Export,
                ReadSelf,
                CountySettings,
                RevealSensitive,
            ]),
            Role::Auditor => Rights::of(&[ReadOrgs, ReadMembers, ReadAudit, ReadUsers, Export]),
            Role::SystemAdmin => Rights::of(&[ReadOrgs, CreateRootOrgs, ManageUsers, ReadUsers]),
            Role::SecurityAdmin => Rights::of(&[ReadUsers, SecurityPolicy]),
            Role::AuditAdmin => Rights::of(&[ReadUsers, ReadAudit]),
        }
    }

    /// True if a manager holding `self` may create or manage an account holding `other`.
    ///
    /// The 系统管理员 manages every account but the 三员's own kind; business managers manage only
    /// business roles strictly below their own.
    pub fn can_manage(self, other: Role) -> bool {
        match self {
            Role::SystemAdmin => other != Role::SystemAdmin,
            Role::CountyAdmin => {
                matches!(other, Role::TownshipAdmin | Role::BranchSecretary | Role::Member | Role::Auditor)
            }
            Role::TownshipAdmin => matches!(other, Role::BranchSecretary | Role::Member),
            _ => false,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_roles_are_ordered() {
        assert!(Role::Member < Role::BranchSecretary);
        assert!(Role::BranchSecretary < Role::TownshipAdmin);
        assert!(Role::TownshipAdmin < Role::CountyAdmin);
    }

    #[test]
    fn system_roles_are_separated() {
        let sys = [Role::SystemAdmin, Role::SecurityAdmin, Role::AuditAdmin];
        // No system role holds another's defining right.
        assert!(!Role::SystemAdmin.rights().has(Right::SecurityPolicy));
        assert!(!Role::SystemAdmin.rights().has(Right::ReadAudit));
        assert!(!Role::SecurityAdmin.rights().has(Right::ManageUsers));
        assert!(!Role::SecurityAdmin.rights().has(Right::ReadAudit));
        assert!(!Role::AuditAdmin.rights().has(Right::ManageUsers));
        assert!(!Role::AuditAdmin.rights().has(Right::SecurityPolicy));
        for r in sys {
            assert!(!r.rights().has(Right::ReadMembers), "{r:?} must not read members");
            assert!(!r.rights().has(Right::WriteRecords));
        }
        // No role is a superuser.
        for r in Role::ALL {
            assert_ne!(r.rights(), Rights::ALL);
        }
    }

    #[test]
    fn auditor_writes_nothing() {
        let r = Role::Auditor.rights();
        assert!(!r.has(Right::RevealSensitive), "auditors see personal numbers masked");
        for w in [Right::WriteOrgs, Right::WriteRecords, Right::ManageUsers, Right::SecurityPolicy] {
            assert!(!r.has(w));
        }
    }

    #[test]
    fn managers_grant_only_lower_roles() {
        assert!(Role::CountyAdmin.can_manage(Role::TownshipAdmin));
        assert!(!Role::CountyAdmin.can_manage(Role::CountyAdmin));
        assert!(!Role::TownshipAdmin.can_manage(Role::TownshipAdmin));
        assert!(!Role::TownshipAdmin.can_manage(Role::Auditor));
        assert!(!Role::BranchSecretary.can_manage(Role::Member));
        assert!(Role::SystemAdmin.can_manage(Role::AuditAdmin));
        assert!(!Role::SystemAdmin.can_manage(Role::SystemAdmin));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(*r));
            assert_eq!(Role::parse(r.label()), Some(*r));
        }
    }
}
