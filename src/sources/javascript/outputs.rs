//! Resource names an operation's output carries, built from its input: the URL
//! `GetQueueUrl` returns ends with the `QueueName` it was given, the ARN `StartExecution`
//! returns is the state machine's with `:execution:` and the execution `name`. A later
//! call that passes such an output then names a known resource.

use crate::sources::Hint;

use super::eval::Eval;
use super::hints;
use super::values::{At, Value};

/// One piece of a derived name.
enum Part {
    Lit(&'static str),
    /// A piece the input does not fix (region, account, partition).
    Any(&'static str),
    /// An input member's value.
    Member(&'static str),
    /// An input member's value with its first `from` replaced by `to`.
    Replaced(&'static str, &'static str, &'static str),
}

use Part::{Any, Lit, Member, Replaced};

const QUEUE_URL: &[Part] = &[
    Lit("https://sqs."),
    Any("region"),
    Lit(".amazonaws.com/"),
    Any("account"),
    Lit("/"),
    Member("QueueName"),
];

/// (service, operation, output member, how the output is built).
const DERIVED: &[(&str, &str, &str, &[Part])] = &[
    ("sqs", "GetQueueUrl", "QueueUrl", QUEUE_URL),
    ("sqs", "CreateQueue", "QueueUrl", QUEUE_URL),
    (
        "sns",
        "CreateTopic",
        "TopicArn",
        &[
            Lit("arn:"),
            Any("partition"),
            Lit(":sns:"),
            Any("region"),
            Lit(":"),
            Any("account"),
            Lit(":"),
            Member("Name"),
        ],
    ),
    (
        "stepfunctions",
        "StartExecution",
        "executionArn",
        &[
            Replaced("stateMachineArn", ":stateMachine:", ":execution:"),
            Lit(":"),
            Member("name"),
        ],
    ),
    (
        "stepfunctions",
        "StartSyncExecution",
        "executionArn",
        &[
            Replaced("stateMachineArn", ":stateMachine:", ":express:"),
            Lit(":"),
            Member("name"),
        ],
    ),
];

/// The values `output` of a call with `input` may be, when the table knows how it is built.
pub fn derive<'t>(
    ev: &Eval<'t>,
    service: &str,
    operation: &str,
    output: &str,
    input: At<'t>,
) -> Option<Vec<Value<'t>>> {
    let (_, _, _, parts) = DERIVED
        .iter()
        .find(|(s, o, m, _)| *s == service && *o == operation && *m == output)?;
    let values = ev.eval(input);
    let mut built: Vec<Hint> = vec![Hint { pieces: Vec::new() }];
    for part in *parts {
        let alternatives = match part {
            Lit(s) => vec![Hint::literal(*s)],
            Any(why) => vec![Hint::unknown(*why)],
            Member(m) => hints::hints_of(&ev.member(&values, m), m),
            Replaced(m, from, to) => hints::hints_of(&ev.member(&values, m), m)
                .into_iter()
                .map(|h| replace_first(h, from, to))
                .collect(),
        };
        built = built
            .iter()
            .flat_map(|prefix| {
                alternatives
                    .iter()
                    .map(move |alt| Hint::concat([prefix.clone(), alt.clone()]))
            })
            .take(8)
            .collect();
    }
    Some(built.into_iter().map(Value::Str).collect())
}

/// Replaces the first `from` inside a literal piece.
fn replace_first(mut h: Hint, from: &str, to: &str) -> Hint {
    for piece in &mut h.pieces {
        if let crate::sources::Piece::Literal(s) = piece
            && s.contains(from)
        {
            *s = s.replacen(from, to, 1);
            break;
        }
    }
    h
}
