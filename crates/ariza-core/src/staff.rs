//! Staff accounts, roles and what each role may do. Permissions are decided here, in the
//! core, so no front end can skip them.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{DomainError, FieldError, Validation};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    Clerk,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Clerk, Role::Supervisor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn may(self, action: Action) -> bool {
        use Action::*;
        match action {
            RegisterCitizen | ViewCitizen | FileApplication | ViewApplications
            | CancelOwnApplication => true,
            CancelAnyApplication | Supervise | ViewAudit | Backup => {
                matches!(self, Role::Supervisor | Role::Admin)
            }
            ManageStaff | ManageCenter => self == Role::Admin,
        }
    }

    pub fn require(self, action: Action) -> Result<(), DomainError> {
        if self.may(action) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(action))
        }
    }
}

/// A person signed in to the portal (not a desk's staff: those are [`Role`]). Operators run
/// the portal (centers, devices, staff accounts, the catalog); an agency's officers decide the
/// applications of their agency's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortalRole {
    Operator,
    Agency,
}

impl PortalRole {
    pub const ALL: [PortalRole; 2] = [PortalRole::Operator, PortalRole::Agency];

    pub fn as_str(self) -> &'static str {
        match self {
            PortalRole::Operator => "operator",
            PortalRole::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<PortalRole> {
        PortalRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    RegisterCitizen,
    ViewCitizen,
    FileApplication,
    ViewApplications,
    CancelOwnApplication,
    CancelAnyApplication,
    /// Reassign, send back to a clerk, retry delivery; see every clerk's queues.
    Supervise,
    ManageStaff,
    ManageCenter,
    ViewAudit,
    Backup,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::RegisterCitizen,
        Action::ViewCitizen,
        Action::FileApplication,
        Action::ViewApplications,
        Action::CancelOwnApplication,
        Action::CancelAnyApplication,
        Action::Supervise,
        Action::ManageStaff,
        Action::ManageCenter,
        Action::ViewAudit,
        Action::Backup,
    ];
}

/// The person acting: recorded in every history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Actor {
    #[ts(type = "number")]
    pub staff_id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StaffMember {
    #[ts(type = "number")]
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewStaff {
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub password: String,
}

pub const MIN_PASSWORD_LEN: usize = 8;

/// How long sign-in waits after `failures` wrong passwords in a row: nothing for the first
/// two (typos), then 5, 10 and 20 seconds, then a 15-minute lockout. Slows guessing to a
/// few attempts an hour while a person who mistyped twice never notices.
pub fn sign_in_delay(failures: u32) -> chrono::Duration {
    match failures {
        0..=2 => chrono::Duration::zero(),
        3..=5 => chrono::Duration::seconds(5 << (failures - 3)),
        _ => chrono::Duration::minutes(15),
    }
}

impl NewStaff {
    /// Checks the fields and returns the normalized username (lower case).
    pub fn validate(&self) -> Result<String, DomainError> {
        let mut v = Validation::default();
        let username = self.username.trim().to_lowercase();
        let ok_chars = username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if username.len() < 2 || username.len() > 32 || !ok_chars {
            v.push(FieldError::new("username", "err-username"));
        }
        if self.full_name.trim().is_empty() {
            v.push(FieldError::new("full_name", "err-required"));
        }
        if self.password.chars().count() < MIN_PASSWORD_LEN {
            v.push(FieldError::new("password", "err-password-short").with("min", MIN_PASSWORD_LEN));
        }
        v.finish()?;
        Ok(username)
    }
}

fn argon2() -> Argon2<'static> {
    // OWASP's Argon2id minimum (19 MiB, 2 passes): a sign-in stays well under a second on a
    // district office's old laptop while offline guessing stays expensive.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An Argon2id PHC string for the password.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The portal's table allows exactly these roles; a role added to one and not the other
    /// would be refused by PostgreSQL or never be assigned.
    #[test]
    fn portal_roles_are_the_ones_the_portal_schema_allows() {
        let schema = include_str!("../../../migrations/portal/0001_initial.sql");
        let allowed: Vec<String> = PortalRole::ALL
            .iter()
            .map(|r| format!("'{}'", r.as_str()))
            .collect();
        let check = format!("CHECK (role IN ({}))", allowed.join(", "));
        assert!(schema.contains(&check), "{check}");
        for r in PortalRole::ALL {
            assert_eq!(PortalRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(PortalRole::parse("clerk"), None);
    }

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "salted");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong horse", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn permission_matrix() {
        use Action::*;
        let all = [
            RegisterCitizen,
            ViewCitizen,
            FileApplication,
            ViewApplications,
            CancelOwnApplication,
            CancelAnyApplication,
            ManageStaff,
            ManageCenter,
        ];
        let expected = |role: Role, action: Action| {
            !matches!(
                (role, action),
                (
                    Role::Clerk,
                    CancelAnyApplication | ManageStaff | ManageCenter
                ) | (Role::Supervisor, ManageStaff | ManageCenter)
            )
        };
        for role in Role::ALL {
            for action in all {
                assert_eq!(
                    role.may(action),
                    expected(role, action),
                    "{role:?} {action:?}"
                );
                assert_eq!(role.require(action).is_ok(), expected(role, action));
            }
        }
    }

    #[test]
    fn new_staff_validation() {
        let ok = NewStaff {
            username: " Dilnoza.K ".into(),
            full_name: "Dilnoza".into(),
            role: Role::Clerk,
            password: "12345678".into(),
        };
        assert_eq!(ok.validate().unwrap(), "dilnoza.k");
        let bad = NewStaff {
            username: "a b".into(),
            full_name: " ".into(),
            role: Role::Clerk,
            password: "short".into(),
        };
        match bad.validate() {
            Err(DomainError::Invalid(f)) => {
                let fields: Vec<_> = f.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["username", "full_name", "password"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
