//! Stytch-style identifiers: `<kind>-test-<uuid>`, or `<kind>-live-<uuid>` for live projects.

use uuid::Uuid;

/// Makes ids for one project.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ids {
    env: &'static str,
}

impl Ids {
    /// `live` ids for `project-live-*` projects, `test` ids otherwise.
    pub(crate) fn for_project(project_id: &str) -> Self {
        let env = if project_id.starts_with("project-live-") {
            "live"
        } else {
            "test"
        };
        Self { env }
    }

    fn make(self, kind: &str) -> String {
        format!("{kind}-{}-{}", self.env, Uuid::new_v4())
    }

    pub(crate) fn user(self) -> String {
        self.make("user")
    }
    pub(crate) fn totp(self) -> String {
        self.make("totp")
    }
    pub(crate) fn request(self) -> String {
        self.make("request-id")
    }
    pub(crate) fn session(self) -> String {
        self.make("session")
    }
    pub(crate) fn email(self) -> String {
        self.make("email")
    }
    pub(crate) fn phone(self) -> String {
        self.make("phone-number")
    }
    pub(crate) fn password(self) -> String {
        self.make("password")
    }
    pub(crate) fn recovery_code(self) -> String {
        self.make("totp-recovery-code")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_and_live_prefixes() {
        let test = Ids::for_project("project-test-123");
        let id = test.user();
        assert!(id.starts_with("user-test-"), "{id}");
        assert_eq!(id.len(), "user-test-".len() + 36);
        assert!(test.request().starts_with("request-id-test-"));
        let live = Ids::for_project("project-live-123");
        assert!(live.totp().starts_with("totp-live-"));
        assert!(live.session().starts_with("session-live-"));
        assert!(Ids::for_project("whatever")
            .email()
            .starts_with("email-test-"));
    }
}
