#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Contract tests of accounts, sessions, lockout and the audit chain, on SQLite and PostgreSQL.

mod common;

use common::*;
use jiceng_store::auth::{self, LoginError, UserDraft};
use jiceng_store::settings::{self, SecurityPolicy};
use jiceng_store::{Db, StoreError, audit};
use jiceng_types::{Role, Scope, UserId};
use sea_orm::ConnectionTrait;

async fn user(
    db: &Db,
    scope: &Scope,
    name: &str,
    role: Role,
    org: Option<jiceng_types::OrgId>,
) -> (auth::User, String) {
    let draft = UserDraft {
        username: name.into(),
        display_name: "张三".into(),
        role: role.key().into(),
        org_id: org.map(|o| o.to_string()).unwrap_or_default(),
    };
    auth::create_user(db, scope, &meta(), draft.parse().unwrap()).await.unwrap()
}

async fn login(db: &Db, name: &str, pw: &str) -> Result<auth::LoginOk, LoginError> {
    auth::login(db, &meta(), name, pw, "test").await.unwrap()
}

jiceng_store::dual_test!(no_default_account_until_bootstrap, |db: Db| async move {
    assert_eq!(login(&db, "admin", "admin").await.unwrap_err(), LoginError::BadCredentials);
    assert_eq!(login(&db, "sysadmin", "").await.unwrap_err(), LoginError::BadCredentials);
    let (name, pw) = auth::bootstrap(&db).await.unwrap().unwrap();
    assert_eq!(name, "sysadmin");
    assert!(auth::bootstrap(&db).await.unwrap().is_none(), "only once");
    let ok = login(&db, &name, &pw).await.unwrap();
    assert!(ok.user.must_change_password);
    assert_eq!(ok.user.role, Role::SystemAdmin);
});

jiceng_store::dual_test!(lockout_after_five_failures_same_answer_for_unknown, |db: Db| async move {
    let t = tree(&db).await;
    let (_, pw) = user(&db, &Scope::cli(), "town1", Role::TownshipAdmin, Some(t.town1.id)).await;
    for _ in 0..4 {
        assert_eq!(login(&db, "town1", "wrong").await.unwrap_err(), LoginError::BadCredentials);
        assert_eq!(login(&db, "ghost", "wrong").await.unwrap_err(), LoginError::BadCredentials);
    }
    assert_eq!(login(&db, "town1", "wrong").await.unwrap_err(), LoginError::BadCredentials);
    assert_eq!(login(&db, "ghost", "wrong").await.unwrap_err(), LoginError::BadCredentials);
    // Now locked: even the right password is refused, and an unknown name answers the same way.
    assert!(matches!(login(&db, "town1", &pw).await.unwrap_err(), LoginError::Locked { minutes: 15 }));
    assert!(matches!(login(&db, "ghost", "x").await.unwrap_err(), LoginError::Locked { .. }));
    // After the lock (simulated by moving the attempts back in time) the password works again.
    db.raw().execute_unprepared("DELETE FROM login_attempt").await.unwrap();
    assert!(login(&db, "town1", &pw).await.is_ok());
});

jiceng_store::dual_test!(sessions_time_out_and_die_with_the_account, |db: Db| async move {
    let t = tree(&db).await;
    let (u, pw) = user(&db, &Scope::cli(), "town1", Role::TownshipAdmin, Some(t.town1.id)).await;
    let s = login(&db, "town1", &pw).await.unwrap();
    let authed = auth::authenticate_session(&db, &s.session_secret).await.unwrap().unwrap();
    assert_eq!(authed.user.id, u.id);
    assert!(authed.scope.contains(&t.branch11.path));
    assert!(!authed.scope.contains(&t.town2.path));
    // Idle timeout: last seen 31 minutes ago.
    let past = (chrono::Utc::now() - chrono::Duration::minutes(31)).to_rfc3339();
    let q = if db.backend() == jiceng_store::Backend::Postgres {
        format!("UPDATE session SET last_seen_at = '{past}'::timestamptz")
    } else {
        format!("UPDATE session SET last_seen_at = '{past}'")
    };
    db.raw().execute_unprepared(&q).await.unwrap();
    assert!(auth::authenticate_session(&db, &s.session_secret).await.unwrap().is_none());
    // Absolute timeout: created 13 hours ago, though active a minute ago.
    let s = login(&db, "town1", &pw).await.unwrap();
    let created = (chrono::Utc::now() - chrono::Duration::hours(13)).to_rfc3339();
    let q = if db.backend() == jiceng_store::Backend::Postgres {
        format!("UPDATE session SET created_at = '{created}'::timestamptz")
    } else {
        format!("UPDATE session SET created_at = '{created}'")
    };
    db.raw().execute_unprepared(&q).await.unwrap();
    assert!(auth::authenticate_session(&db, &s.session_secret).await.unwrap().is_none());
    // Disabling the account ends its sessions.
    let s = login(&db, "town1", &pw).await.unwrap();
    assert!(auth::authenticate_session(&db, &s.session_secret).await.unwrap().is_some());
    auth::set_disabled(&db, &Scope::cli(), &meta(), u.id, true).await.unwrap();
    assert!(auth::authenticate_session(&db, &s.session_secret).await.unwrap().is_none());
    assert_eq!(login(&db, "town1", &pw).await.unwrap_err(), LoginError::Disabled);
});

jiceng_store::dual_test!(policy_changes_apply, |db: Db| async move {
    let sec = Scope::for_user(UserId(1), "secadmin", Role::SecurityAdmin, None);
    let policy = SecurityPolicy { idle_timeout_minutes: 10, ..SecurityPolicy::default() };
    settings::set_security_policy(&db, &sec, &meta(), policy).await.unwrap();
    assert_eq!(settings::security_policy(&db).await.unwrap().idle_timeout_minutes, 10);
    let sys = Scope::for_user(UserId(2), "sysadmin", Role::SystemAdmin, None);
    assert!(matches!(
        settings::set_security_policy(&db, &sys, &meta(), SecurityPolicy::default()).await,
        Err(StoreError::Forbidden { .. })
    ));
    let bad = SecurityPolicy { lockout_threshold: 1, ..SecurityPolicy::default() };
    assert!(matches!(settings::set_security_policy(&db, &sec, &meta(), bad).await, Err(StoreError::Invalid(_))));
});

jiceng_store::dual_test!(managers_grant_only_lower_roles_in_scope, |db: Db| async move {
    let t = tree(&db).await;
    let town = Scope::for_user(UserId(50), "town1", Role::TownshipAdmin, Some((t.town1.id, t.town1.path.clone())));
    let draft = |role: Role, org: jiceng_types::OrgId| UserDraft {
        username: format!("u{}", org.0 * 10 + role as i64),
        display_name: "李四".into(),
        role: role.key().into(),
        org_id: org.to_string(),
    };
    assert!(
        auth::create_user(&db, &town, &meta(), draft(Role::BranchSecretary, t.branch11.id).parse().unwrap())
            .await
            .is_ok()
    );
    assert!(matches!(
        auth::create_user(&db, &town, &meta(), draft(Role::TownshipAdmin, t.town1.id).parse().unwrap()).await,
        Err(StoreError::Forbidden { .. })
    ));
    match auth::create_user(&db, &town, &meta(), draft(Role::BranchSecretary, t.branch21.id).parse().unwrap()).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].code, "org_not_found"),
        other => panic!("{other:?}"),
    }
    let users = auth::list_users(&db, &town, &Default::default()).await.unwrap();
    assert_eq!(users.len(), 1);
});

jiceng_store::dual_test!(tampering_is_detected, |db: Db| async move {
    let _ = tree(&db).await;
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
    // The database refuses edits of the trail...
    assert!(db.raw().execute_unprepared("UPDATE audit_log SET username = 'x' WHERE id = 3").await.is_err());
    assert!(db.raw().execute_unprepared("DELETE FROM audit_log WHERE id = 3").await.is_err());
    // ...so a tamperer must first drop the guard; the chain still names the row.
    if db.backend() == jiceng_store::Backend::Postgres {
        db.raw().execute_unprepared("DROP TRIGGER audit_log_no_update ON audit_log").await.unwrap();
    } else {
        db.raw().execute_unprepared("DROP TRIGGER audit_log_no_update").await.unwrap();
        db.raw().execute_unprepared("DROP TRIGGER audit_log_no_delete").await.unwrap();
    }
    db.raw().execute_unprepared("UPDATE audit_log SET client_addr = '10.0.0.9' WHERE id = 3").await.unwrap();
    let r = audit::verify(&db).await.unwrap();
    assert_eq!(r.first_broken.unwrap().id, 3);
    db.raw().execute_unprepared("UPDATE audit_log SET client_addr = '127.0.0.1' WHERE id = 3").await.unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().first_broken, None);
    db.raw().execute_unprepared("DELETE FROM audit_log WHERE id = 5").await.unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().first_broken.unwrap().id, 5);
});

jiceng_store::dual_test!(failed_audit_write_fails_the_change, |db: Db| async move {
    let t = tree(&db).await;
    let block = if db.backend() == jiceng_store::Backend::Postgres {
        "CREATE FUNCTION block_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$; \
         CREATE TRIGGER block_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION block_audit()"
    } else {
        "CREATE TRIGGER block_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END"
    };
    db.raw().execute_unprepared(block).await.unwrap();
    let input = draft(Some(t.town1.id), "A0199", "新设党支部", "党支部").parse(today()).unwrap();
    assert!(matches!(jiceng_store::org::create(&db, &Scope::cli(), &meta(), input).await, Err(StoreError::Db(_))));
    let found = jiceng_store::org::list(
        &db,
        &Scope::cli(),
        &jiceng_store::org::ListFilter { q: Some("A0199".into()), ..Default::default() },
        1,
        10,
    )
    .await
    .unwrap();
    assert_eq!(found.total, 0, "the organization was not created");
});
