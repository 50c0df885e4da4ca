//! Membership and settings changes, and the rules that allow or refuse them.
//!
//! Every change is decided inside the transaction that makes it, from what that
//! transaction read ([`Facts`]): a role that changed a moment earlier (an admin demoted
//! on another device, a ban on another process) is always the one the decision sees.
//! The rules are here, apart from the SQL, so that they read as a table and are tested
//! without a database.

use chat_protocol::v1::{MemberRole, RoomVisibility, WhoCanAdd};

use super::error::{Error, Refusal};

/// A change to a room's members or settings, made by `actor`.
#[derive(Debug, Clone)]
pub struct MembershipWrite {
    /// The room.
    pub room_id: String,
    /// Who asks for the change.
    pub actor: String,
    /// What to change.
    pub action: MembershipAction,
    /// Time of the change, ms since the epoch.
    pub now: i64,
}

/// What a [`MembershipWrite`] changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MembershipAction {
    /// Makes `user_id` a member: the actor joining a public room themself, or a member
    /// adding someone.
    Add {
        /// Who becomes a member.
        user_id: String,
    },
    /// The actor leaves (a direct room is only hidden from their list).
    Leave,
    /// An owner or admin removes a member.
    Remove {
        /// Who is removed.
        user_id: String,
    },
    /// An owner or admin bans a user (removing them if they are a member).
    Ban {
        /// Who is banned.
        user_id: String,
        /// Why, for the room's admins.
        reason: Option<String>,
    },
    /// An owner or admin lifts a ban.
    Unban {
        /// Whose ban.
        user_id: String,
    },
    /// An owner or admin makes a member an admin, or an admin a member again.
    SetRole {
        /// Whose role.
        user_id: String,
        /// `Admin` or `Member`.
        role: MemberRole,
    },
    /// An owner or admin changes the room's settings.
    Update(RoomSettings),
    /// The actor joins with an invite link (its code hashed as `code_hash`), which must
    /// still work: a use of it is spent in the same transaction.
    JoinWithInvite {
        /// SHA-256 of the invite's code, hex.
        code_hash: String,
    },
}

impl MembershipAction {
    /// The user the action is about, when it is not the actor.
    pub(super) fn target(&self) -> Option<&str> {
        match self {
            Self::Add { user_id }
            | Self::Remove { user_id }
            | Self::Ban { user_id, .. }
            | Self::Unban { user_id }
            | Self::SetRole { user_id, .. } => Some(user_id),
            Self::Leave | Self::Update(_) | Self::JoinWithInvite { .. } => None,
        }
    }
}

/// Settings to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomSettings {
    /// The new name (already validated).
    pub name: Option<String>,
    /// The new topic (already validated; empty removes it).
    pub topic: Option<String>,
    /// Who may add members.
    pub who_can_add: Option<WhoCanAdd>,
    /// The room's picture, an attachment id (already checked to be the actor's unsent
    /// image upload); empty removes it.
    pub avatar_id: Option<String>,
}

/// What the transaction read about the room, the actor and the target before deciding.
#[derive(Debug, Clone)]
pub(super) struct Facts {
    pub(super) visibility: RoomVisibility,
    pub(super) settings: CurrentSettings,
    /// `None`: the actor is not a member.
    pub(super) actor_role: Option<MemberRole>,
    /// `None`: the target is not a member (or there is no target).
    pub(super) target_role: Option<MemberRole>,
    /// The target (for a join: the actor) is banned from the room.
    pub(super) target_banned: bool,
    /// The target blocked the actor (who then cannot add them).
    pub(super) target_blocks_actor: bool,
}

/// The room's settings as stored.
#[derive(Debug, Clone)]
pub(super) struct CurrentSettings {
    pub(super) name: String,
    pub(super) topic: String,
    pub(super) who_can_add: WhoCanAdd,
    pub(super) avatar_id: Option<String>,
}

/// What the rules decided for an allowed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Make the change.
    Apply,
    /// It is made already (a member added again, a role set to what it is, a ban of a
    /// banned user): nothing to write, and no event.
    Unchanged,
}

/// Decides whether `actor` may make `action` in a room that is as `facts` say.
pub(super) fn check(
    actor: &str,
    action: &MembershipAction,
    facts: &Facts,
) -> Result<Verdict, Error> {
    let refuse = |refusal| Err(Error::Refused(refusal));
    if action.target() == Some(actor) && !matches!(action, MembershipAction::Add { .. }) {
        return refuse(Refusal::OwnMembership);
    }
    let direct = facts.visibility == RoomVisibility::Direct;
    if let MembershipAction::Add { user_id } = action
        && user_id == actor
    {
        // Joining by oneself: only public rooms, and not when banned.
        return if facts.actor_role.is_some() {
            Ok(Verdict::Unchanged)
        } else if facts.target_banned {
            refuse(Refusal::YouAreBanned)
        } else if facts.visibility != RoomVisibility::Public {
            refuse(Refusal::PrivateRoom)
        } else {
            Ok(Verdict::Apply)
        };
    }
    if let MembershipAction::JoinWithInvite { .. } = action {
        // An invite opens private rooms too, but not to the banned; a member already
        // spends no use of it.
        return if facts.actor_role.is_some() {
            Ok(Verdict::Unchanged)
        } else if facts.target_banned {
            refuse(Refusal::YouAreBanned)
        } else if direct {
            refuse(Refusal::DirectRoom)
        } else {
            Ok(Verdict::Apply)
        };
    }
    let Some(actor_role) = facts.actor_role else {
        return Err(Error::NotMember);
    };
    match action {
        MembershipAction::Leave => return Ok(Verdict::Apply),
        MembershipAction::Add { .. } if direct => return refuse(Refusal::DirectRoom),
        MembershipAction::Add { .. } => {
            if facts.settings.who_can_add == WhoCanAdd::Admins && !actor_role.moderates() {
                return refuse(Refusal::AdminsAdd);
            }
            return if facts.target_banned {
                refuse(Refusal::UserBanned)
            } else if facts.target_role.is_some() {
                Ok(Verdict::Unchanged)
            } else if facts.target_blocks_actor {
                refuse(Refusal::Blocked)
            } else {
                Ok(Verdict::Apply)
            };
        }
        _ => {}
    }
    // Everything else is moderation.
    if direct {
        return refuse(Refusal::DirectRoom);
    }
    if !actor_role.moderates() {
        return refuse(Refusal::NotModerator);
    }
    // An admin acts on members only; the owner on admins too; nobody on the owner.
    let may_act_on = |target: Option<MemberRole>| match target {
        Some(MemberRole::Owner) => Err(Error::Refused(Refusal::Owner)),
        Some(MemberRole::Admin) if actor_role != MemberRole::Owner => {
            Err(Error::Refused(Refusal::OwnerOnly))
        }
        _ => Ok(()),
    };
    match action {
        MembershipAction::Remove { .. } => {
            if facts.target_role.is_none() {
                return refuse(Refusal::NotAMember);
            }
            may_act_on(facts.target_role)?;
            Ok(Verdict::Apply)
        }
        MembershipAction::Ban { .. } => {
            may_act_on(facts.target_role)?;
            Ok(if facts.target_banned {
                Verdict::Unchanged
            } else {
                Verdict::Apply
            })
        }
        MembershipAction::Unban { .. } => Ok(if facts.target_banned {
            Verdict::Apply
        } else {
            Verdict::Unchanged
        }),
        MembershipAction::SetRole { role, .. } => {
            let Some(current) = facts.target_role else {
                return refuse(Refusal::NotAMember);
            };
            if *role == MemberRole::Owner {
                return refuse(Refusal::Owner);
            }
            if current == *role {
                return Ok(Verdict::Unchanged);
            }
            // Promoting a member is any moderator's; demoting an admin the owner's.
            may_act_on(Some(current))?;
            Ok(Verdict::Apply)
        }
        MembershipAction::Update(settings) => Ok(
            if changed_settings(settings, &facts.settings) == RoomSettings::default() {
                Verdict::Unchanged
            } else {
                Verdict::Apply
            },
        ),
        MembershipAction::Add { .. }
        | MembershipAction::Leave
        | MembershipAction::JoinWithInvite { .. } => Ok(Verdict::Apply),
    }
}

/// The settings of `asked` that differ from `current`.
pub(super) fn changed_settings(asked: &RoomSettings, current: &CurrentSettings) -> RoomSettings {
    RoomSettings {
        name: asked.name.clone().filter(|name| *name != current.name),
        topic: asked.topic.clone().filter(|topic| *topic != current.topic),
        who_can_add: asked.who_can_add.filter(|who| *who != current.who_can_add),
        avatar_id: asked
            .avatar_id
            .clone()
            .filter(|id| *id != current.avatar_id.as_deref().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(actor: Option<MemberRole>, target: Option<MemberRole>) -> Facts {
        Facts {
            visibility: RoomVisibility::Private,
            settings: CurrentSettings {
                name: "room".into(),
                topic: String::new(),
                who_can_add: WhoCanAdd::Members,
                avatar_id: None,
            },
            actor_role: actor,
            target_role: target,
            target_banned: false,
            target_blocks_actor: false,
        }
    }

    fn remove() -> MembershipAction {
        MembershipAction::Remove {
            user_id: "target".into(),
        }
    }

    fn refusal(result: Result<Verdict, Error>) -> Option<Refusal> {
        match result {
            Err(Error::Refused(refusal)) => Some(refusal),
            _ => None,
        }
    }

    use MemberRole::{Admin, Member, Owner};

    #[test]
    fn who_may_remove_whom() {
        // (actor, target, allowed)
        let table = [
            (Owner, Admin, true),
            (Owner, Member, true),
            (Admin, Member, true),
            (Admin, Admin, false),
            (Admin, Owner, false),
            (Member, Member, false),
            (Member, Admin, false),
        ];
        for (actor, target, allowed) in table {
            let verdict = check("actor", &remove(), &facts(Some(actor), Some(target)));
            assert_eq!(
                verdict.is_ok(),
                allowed,
                "{actor:?} removing {target:?}: {verdict:?}"
            );
        }
        assert_eq!(
            refusal(check("actor", &remove(), &facts(Some(Admin), Some(Owner)))),
            Some(Refusal::Owner)
        );
        assert_eq!(
            refusal(check("actor", &remove(), &facts(Some(Admin), None))),
            Some(Refusal::NotAMember)
        );
        assert!(matches!(
            check("actor", &remove(), &facts(None, Some(Member))),
            Err(Error::NotMember)
        ));
    }

    #[test]
    fn nobody_acts_on_their_own_membership_but_by_leaving() {
        let own = MembershipAction::Remove {
            user_id: "actor".into(),
        };
        assert_eq!(
            refusal(check("actor", &own, &facts(Some(Owner), Some(Owner)))),
            Some(Refusal::OwnMembership)
        );
        assert_eq!(
            check("actor", &MembershipAction::Leave, &facts(Some(Owner), None)).ok(),
            Some(Verdict::Apply)
        );
    }

    #[test]
    fn roles_promote_and_demote_by_rank() {
        let set = |role| MembershipAction::SetRole {
            user_id: "target".into(),
            role,
        };
        assert_eq!(
            check("actor", &set(Admin), &facts(Some(Admin), Some(Member))).ok(),
            Some(Verdict::Apply)
        );
        assert_eq!(
            refusal(check(
                "actor",
                &set(Member),
                &facts(Some(Admin), Some(Admin))
            )),
            Some(Refusal::OwnerOnly)
        );
        assert_eq!(
            check("actor", &set(Member), &facts(Some(Owner), Some(Admin))).ok(),
            Some(Verdict::Apply)
        );
        assert_eq!(
            check("actor", &set(Admin), &facts(Some(Owner), Some(Admin))).ok(),
            Some(Verdict::Unchanged)
        );
        assert_eq!(
            refusal(check(
                "actor",
                &set(Owner),
                &facts(Some(Owner), Some(Admin))
            )),
            Some(Refusal::Owner)
        );
        assert_eq!(
            refusal(check(
                "actor",
                &set(Member),
                &facts(Some(Owner), Some(Owner))
            )),
            Some(Refusal::Owner)
        );
        assert_eq!(
            refusal(check(
                "actor",
                &set(Admin),
                &facts(Some(Member), Some(Member))
            )),
            Some(Refusal::NotModerator)
        );
    }

    #[test]
    fn adding_follows_who_can_add_and_bans() {
        let add = MembershipAction::Add {
            user_id: "target".into(),
        };
        let mut room = facts(Some(Member), None);
        assert_eq!(check("actor", &add, &room).ok(), Some(Verdict::Apply));
        room.settings.who_can_add = WhoCanAdd::Admins;
        assert_eq!(
            refusal(check("actor", &add, &room)),
            Some(Refusal::AdminsAdd)
        );
        room.actor_role = Some(Admin);
        assert_eq!(check("actor", &add, &room).ok(), Some(Verdict::Apply));
        room.target_banned = true;
        assert_eq!(
            refusal(check("actor", &add, &room)),
            Some(Refusal::UserBanned)
        );
        room.target_banned = false;
        room.target_blocks_actor = true;
        assert_eq!(refusal(check("actor", &add, &room)), Some(Refusal::Blocked));
        room.target_role = Some(Member);
        assert_eq!(
            check("actor", &add, &room).ok(),
            Some(Verdict::Unchanged),
            "a member already: nothing to refuse"
        );
        room.visibility = RoomVisibility::Direct;
        assert_eq!(
            refusal(check("actor", &add, &room)),
            Some(Refusal::DirectRoom)
        );
    }

    #[test]
    fn joining_by_oneself_needs_a_public_room_and_no_ban() {
        let join = MembershipAction::Add {
            user_id: "actor".into(),
        };
        let mut room = facts(None, None);
        assert_eq!(
            refusal(check("actor", &join, &room)),
            Some(Refusal::PrivateRoom)
        );
        room.visibility = RoomVisibility::Public;
        assert_eq!(check("actor", &join, &room).ok(), Some(Verdict::Apply));
        room.target_banned = true;
        assert_eq!(
            refusal(check("actor", &join, &room)),
            Some(Refusal::YouAreBanned)
        );
        room.actor_role = Some(Member);
        assert_eq!(check("actor", &join, &room).ok(), Some(Verdict::Unchanged));
    }

    #[test]
    fn settings_change_only_what_differs() {
        let current = facts(Some(Admin), None).settings;
        let asked = RoomSettings {
            name: Some("room".into()),
            topic: Some("news".into()),
            who_can_add: Some(WhoCanAdd::Members),
            avatar_id: Some(String::new()),
        };
        assert_eq!(
            changed_settings(&asked, &current),
            RoomSettings {
                topic: Some("news".into()),
                ..RoomSettings::default()
            }
        );
        let same = MembershipAction::Update(RoomSettings {
            name: Some("room".into()),
            ..RoomSettings::default()
        });
        assert_eq!(
            check("actor", &same, &facts(Some(Admin), None)).ok(),
            Some(Verdict::Unchanged)
        );
        assert_eq!(
            refusal(check("actor", &same, &facts(Some(Member), None))),
            Some(Refusal::NotModerator)
        );
    }
}
