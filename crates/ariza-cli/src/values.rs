//! The domain values a person types on the command line, as clap value enums mirroring the
//! core's and the store's enums. A typo is refused by clap with the list of valid values;
//! nothing falls back to a default. Each mirror converts both ways with exhaustive matches,
//! so a variant added to a core enum does not compile until the CLI knows it.

use ariza_core::application::Status;
use ariza_core::citizen::Sex;
use ariza_core::document::DocumentKind;
use ariza_core::i18n::Locale;
use ariza_core::receipt_layout::ReceiptLayout;
use ariza_core::staff::Role;
use ariza_store::QueueKind;
use ariza_store::dashboard::Period;

/// Declares `$name`, a clap value enum whose values are the core enum `$core`'s variants in
/// snake_case (as the core spells them), with `From` both ways.
macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident => $core:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
        #[value(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $core {
            fn from(value: $name) -> $core {
                match value {
                    $($name::$variant => $core::$variant),+
                }
            }
        }

        impl From<$core> for $name {
            fn from(value: $core) -> $name {
                match value {
                    $($core::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror!(RoleArg => Role { Clerk, Supervisor, Admin });

mirror!(StatusArg => Status {
    Draft,
    Filed,
    Delivered,
    InReview,
    Completed,
    Rejected,
    Returned,
    Cancelled,
});

mirror!(DocumentKindArg => DocumentKind { Passport, IdCard, BirthCertificate });

mirror!(SexArg => Sex { Male, Female });

mirror!(PeriodArg => Period {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
});

mirror!(
    /// A queue of applications (the desk's queue tiles except drafts).
    QueueKindArg => QueueKind {
        /// Filed, not yet acknowledged by the portal.
        AwaitingDelivery,
        /// Refused by the portal or in conflict there.
        Quarantined,
        /// Returned by the agency for correction.
        Returned,
        /// Past the service's deadline and not decided.
        Overdue,
        /// Decided and not yet handed to the citizen.
        ToHandOver,
        /// Sent back to its clerk by a supervisor.
        SentBack,
    }
);

mirror!(LangArg => Locale {
    #[value(name = "uz-Latn")]
    UzLatn,
    #[value(name = "uz-Cyrl")]
    UzCyrl,
    Ru,
    En,
});

mirror!(LayoutArg => ReceiptLayout {
    A4,
    A5,
    /// An 80 mm thermal roll.
    Roll80,
});

/// What `ariza queue KIND` lists: every tile of the desk's queue screen, that is each
/// [`QueueKind`] and the drafts left open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueTile {
    Applications(QueueKind),
    Drafts,
}

impl clap::ValueEnum for QueueTile {
    fn value_variants<'a>() -> &'a [Self] {
        const TILES: [QueueTile; QueueKind::ALL.len() + 1] = {
            let mut tiles = [QueueTile::Drafts; QueueKind::ALL.len() + 1];
            let mut i = 0;
            while i < QueueKind::ALL.len() {
                tiles[i] = QueueTile::Applications(QueueKind::ALL[i]);
                i += 1;
            }
            tiles
        };
        &TILES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            QueueTile::Applications(kind) => QueueKindArg::from(*kind).to_possible_value(),
            QueueTile::Drafts => {
                Some(clap::builder::PossibleValue::new("drafts").help("Started and not filed."))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    /// The name clap accepts for each CLI value, and the core value it stands for as the core
    /// serializes it (snake_case, as stored and sent).
    fn names<A: ValueEnum + Copy + Into<C>, C: serde::Serialize>() -> Vec<(String, String)> {
        A::value_variants()
            .iter()
            .map(|v| {
                let name = v.to_possible_value().unwrap().get_name().to_string();
                let core = serde_json::to_value((*v).into()).unwrap();
                (name, core.as_str().unwrap().to_string())
            })
            .collect()
    }

    #[test]
    fn every_value_is_spelled_as_the_core_spells_it() {
        let pairs = [
            names::<RoleArg, Role>(),
            names::<StatusArg, Status>(),
            names::<DocumentKindArg, DocumentKind>(),
            names::<SexArg, Sex>(),
            names::<PeriodArg, Period>(),
            names::<QueueKindArg, QueueKind>(),
        ];
        for (cli, core) in pairs.iter().flatten() {
            assert_eq!(cli, core);
        }
        assert_eq!(pairs[1].len(), Status::ALL.len());
        assert_eq!(pairs[5].len(), QueueKind::ALL.len());
        for locale in Locale::ALL {
            let arg = LangArg::from(locale);
            assert_eq!(arg.to_possible_value().unwrap().get_name(), locale.tag());
            assert_eq!(Locale::from(arg), locale);
        }
    }

    #[test]
    fn the_queue_tiles_are_every_queue_and_the_drafts() {
        let tiles = QueueTile::value_variants();
        assert_eq!(tiles.len(), QueueKind::ALL.len() + 1);
        for (tile, kind) in tiles.iter().zip(QueueKind::ALL) {
            assert_eq!(*tile, QueueTile::Applications(kind));
            assert_eq!(tile.to_possible_value().unwrap().get_name(), kind.as_str());
        }
        assert_eq!(tiles.last(), Some(&QueueTile::Drafts));
    }
}
