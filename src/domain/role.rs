//! The five kinds of people who use the service, and the link that scopes each.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users and reference data.
    Admin,
    /// 工商联: runs forums, assigns and follows up issues, within a region.
    Coordinator,
    /// 领导: reads everything in a region, supervises (督办).
    Leader,
    /// 经办人 of one department.
    Department,
    /// A person acting for one enterprise.
    Enterprise,
}

/// What a role may do beyond the issue lifecycle (whose moves `lifecycle::decide` rules):
/// one rule each, asked by the service before it acts and by the pages before they offer
/// anything, so the two doors never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Can {
    /// Read figures through the API (a department: its own).
    ReadFigures,
    /// Read the dashboard (驾驶舱) and the reports built on the figures.
    ReadDashboard,
    /// File an issue (an enterprise for itself, a coordinator on an enterprise's behalf).
    FileIssues,
    /// Read the reply templates (答复模板).
    ReadTemplates,
    /// Write and delete reply templates.
    KeepTemplates,
    /// Work a department's inbox (待办).
    WorkInbox,
    /// Run the coordinator's desk (工作台), editions, forums and attendance.
    RunForums,
    /// Publish a 月度通报 or 年度报告 (the Federation's document).
    Publish,
    /// Add a file (附件) to an issue the caller may see.
    AddFiles,
}

impl Can {
    /// The roles that may.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Can::ReadFigures => &[Admin, Coordinator, Leader, Department],
            Can::ReadDashboard => &[Admin, Coordinator, Leader],
            Can::FileIssues => &[Enterprise, Coordinator],
            Can::ReadTemplates => &[Coordinator, Department, Admin],
            Can::KeepTemplates => &[Coordinator, Department],
            Can::WorkInbox => &[Department],
            Can::RunForums => &[Coordinator],
            Can::Publish => &[Coordinator, Admin],
            Can::AddFiles => &[Enterprise, Coordinator, Department, Admin],
        }
    }

    /// What the rule allows, in words (for a refusal: "the leader role may not …").
    pub fn what(self) -> &'static str {
        match self {
            Can::ReadFigures => "read figures",
            Can::ReadDashboard => "read the dashboard",
            Can::FileIssues => "file issues",
            Can::ReadTemplates => "read reply templates",
            Can::KeepTemplates => "keep reply templates",
            Can::WorkInbox => "work a department's inbox",
            Can::RunForums => "run editions and forums",
            Can::Publish => "publish reports",
            Can::AddFiles => "add files to an issue",
        }
    }
}

/// Which link a role needs: the one that scopes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    None,
    Region,
    Department,
    Enterprise,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Coordinator,
        Role::Leader,
        Role::Department,
        Role::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Leader => "leader",
            Role::Department => "department",
            Role::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role may do what `can` names.
    pub fn may(self, can: Can) -> bool {
        can.roles().contains(&self)
    }

    /// The role's name as people read it.
    pub fn zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Coordinator => "工商联联络员",
            Role::Leader => "领导",
            Role::Department => "部门经办人",
            Role::Enterprise => "企业用户",
        }
    }

    pub fn link(self) -> Link {
        match self {
            Role::Admin => Link::None,
            Role::Coordinator | Role::Leader => Link::Region,
            Role::Department => Link::Department,
            Role::Enterprise => Link::Enterprise,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_has_its_link() {
        let table = [
            (Role::Admin, Link::None),
            (Role::Coordinator, Link::Region),
            (Role::Leader, Link::Region),
            (Role::Department, Link::Department),
            (Role::Enterprise, Link::Enterprise),
        ];
        for (role, link) in table {
            assert_eq!(role.link(), link, "{role:?}");
        }
    }
}
