//! Who is acting, and which part of the organization tree they may see and change.
//!
//! Every store function that touches tenant-visible data takes a `&Scope`. A scope is a set of
//! subtree roots (the user's own organization, for every business role) plus the rights of the
//! role. The 三员 and the command-line operator see the whole tree, but their rights decide what
//! they may read in it (the 三员 read no member data).

use crate::ids::{OrgId, UserId};
use crate::org::OrgPath;
use crate::role::{Right, Rights, Role};

/// The person (or the command line) behind a request, as written to the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account, or `None` for the command-line operator.
    pub user_id: Option<UserId>,
    /// The account's user name, or `命令行` for the command line.
    pub username: String,
    /// The account's role, or `None` for the command line.
    pub role: Option<Role>,
    /// The account's organization, if it has one.
    pub org_id: Option<OrgId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    All,
    Subtrees(Vec<OrgPath>),
}

/// The part of the tree an actor works in, and their rights there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    actor: Actor,
    rights: Rights,
    roots: Roots,
}

impl Scope {
    /// The scope of a signed-in user: the subtree of their organization for business roles, the
    /// whole tree for the 三员 (whose rights keep them out of member data).
    ///
    /// A business role without an organization gets an empty scope: it sees nothing.
    pub fn for_user(user_id: UserId, username: &str, role: Role, org: Option<(OrgId, OrgPath)>) -> Self {
        let (org_id, roots) = match (role.is_system(), org) {
            (true, o) => (o.map(|(id, _)| id), Roots::All),
            (false, Some((id, path))) => (Some(id), Roots::Subtrees(vec![path])),
            (false, None) => (None, Roots::Subtrees(Vec::new())),
        };
        Scope {
            actor: Actor { user_id: Some(user_id), username: username.to_string(), role: Some(role), org_id },
            rights: role.rights(),
            roots,
        }
    }

    /// The command-line operator: the person who runs `jiceng` on the server and owns its data
    /// directory. Holds every right over the whole tree; every change is still audited.
    pub fn cli() -> Self {
        Scope {
            actor: Actor { user_id: None, username: "命令行".to_string(), role: None, org_id: None },
            rights: Rights::ALL,
            roots: Roots::All,
        }
    }

    /// The command-line operator limited to one subtree (e.g. `jiceng import --org CODE`).
    pub fn cli_within(path: OrgPath) -> Self {
        Scope { roots: Roots::Subtrees(vec![path]), ..Scope::cli() }
    }

    /// Who is acting.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The acting user's id, if a user (not the command line) is acting.
    pub fn user_id(&self) -> Option<UserId> {
        self.actor.user_id
    }

    /// The role, or `None` for the command line.
    pub fn role(&self) -> Option<Role> {
        self.actor.role
    }

    /// The rights held.
    pub fn rights(&self) -> Rights {
        self.rights
    }

    /// True if the right is held.
    pub fn can(&self, right: Right) -> bool {
        self.rights.has(right)
    }

    /// The subtree roots, or `None` if the whole tree is in scope.
    pub fn roots(&self) -> Option<&[OrgPath]> {
        match &self.roots {
            Roots::All => None,
            Roots::Subtrees(r) => Some(r),
        }
    }

    /// True if the organization at `path` is inside the scope.
    pub fn contains(&self, path: &OrgPath) -> bool {
        match &self.roots {
            Roots::All => true,
            Roots::Subtrees(roots) => roots.iter().any(|r| r.contains(path)),
        }
    }

    /// True if `path` is one of the scope's own roots (the user's own organization), which the
    /// user may edit but not move or dissolve.
    pub fn is_root(&self, path: &OrgPath) -> bool {
        match &self.roots {
            Roots::All => false,
            Roots::Subtrees(roots) => roots.iter().any(|r| r == path),
        }
    }

    /// True if the role may manage an account holding `role` (the command line may manage all).
    pub fn can_manage_role(&self, role: Role) -> bool {
        match self.actor.role {
            None => true,
            Some(mine) => self.can(Right::ManageUsers) && mine.can_manage(role),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> OrgPath {
        OrgPath::parse(s).unwrap()
    }

    #[test]
    fn business_scope_is_the_own_subtree() {
        let s = Scope::for_user(UserId(1), "u", Role::TownshipAdmin, Some((OrgId(17), path("/1/17/"))));
        assert!(s.contains(&path("/1/17/")));
        assert!(s.contains(&path("/1/17/40/")));
        assert!(!s.contains(&path("/1/")));
        assert!(!s.contains(&path("/1/18/")));
        assert!(!s.contains(&path("/1/170/")));
        assert!(s.is_root(&path("/1/17/")));
        assert!(!s.is_root(&path("/1/17/40/")));
    }

    #[test]
    fn business_role_without_org_sees_nothing() {
        let s = Scope::for_user(UserId(1), "u", Role::CountyAdmin, None);
        assert!(!s.contains(&path("/1/")));
        assert_eq!(s.roots(), Some(&[][..]));
    }

    #[test]
    fn system_roles_see_the_structure_only() {
        let s = Scope::for_user(UserId(1), "sys", Role::SystemAdmin, None);
        assert!(s.contains(&path("/9/")));
        assert!(!s.can(Right::ReadMembers));
        assert!(s.can_manage_role(Role::CountyAdmin));
    }
}
