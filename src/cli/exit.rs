//! The one exit-status enum: 0 success, 1 `diff` found what `--fail-on` names, 2 bad
//! usage or unreadable input.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Findings,
    BadInput,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(match s {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::BadInput => 2,
        })
    }
}
