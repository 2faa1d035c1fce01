//! The embedded fleet's start, as the window shows it while it waits.

use std::sync::Mutex;

use serde::Serialize;

use crate::service::StartStage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Starting,
    Ready,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct StartupStep {
    pub name: String,
    pub state: StepState,
    /// Why it failed.
    pub detail: Option<String>,
    /// What the operator can do about it.
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Startup {
    pub phase: Phase,
    pub steps: Vec<StartupStep>,
}

/// Follows [`StartStage`]s as the service reports them.
pub struct StartupTracker {
    state: Mutex<(Startup, Option<StartStage>)>,
}

impl Default for StartupTracker {
    fn default() -> Self {
        let steps = StartStage::ALL
            .iter()
            .map(|stage| StartupStep {
                name: stage.label().to_owned(),
                state: StepState::Pending,
                detail: None,
                hint: None,
            })
            .collect();
        let startup = Startup {
            phase: Phase::Starting,
            steps,
        };
        Self {
            state: Mutex::new((startup, None)),
        }
    }
}

fn index(stage: StartStage) -> usize {
    StartStage::ALL
        .iter()
        .position(|s| *s == stage)
        .unwrap_or_default()
}

impl StartupTracker {
    pub fn snapshot(&self) -> Startup {
        self.lock().0.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Startup, Option<StartStage>)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every stage before `stage` is done; `stage` runs.
    pub fn reached(&self, stage: StartStage) {
        let mut state = self.lock();
        let at = index(stage);
        for (i, step) in state.0.steps.iter_mut().enumerate() {
            if i < at {
                step.state = StepState::Done;
            } else if i == at {
                step.state = StepState::Running;
            }
        }
        state.1 = Some(stage);
    }

    pub fn ready(&self) {
        let mut state = self.lock();
        for step in &mut state.0.steps {
            step.state = StepState::Done;
        }
        state.0.phase = Phase::Ready;
    }

    /// The running stage failed with `detail`.
    pub fn failed(&self, detail: String) {
        let mut state = self.lock();
        let stage = state.1.unwrap_or(StartStage::Store);
        let step = &mut state.0.steps[index(stage)];
        step.state = StepState::Failed;
        step.detail = Some(detail);
        step.hint = Some(stage.hint().to_owned());
        state.0.phase = Phase::Failed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_stage_keeps_what_was_done_and_says_what_to_do() {
        let tracker = StartupTracker::default();
        assert!(tracker
            .snapshot()
            .steps
            .iter()
            .all(|s| s.state == StepState::Pending));
        tracker.reached(StartStage::Store);
        tracker.reached(StartStage::DockerHost);
        tracker.failed("connection refused".into());
        let startup = tracker.snapshot();
        assert_eq!(startup.phase, Phase::Failed);
        let states: Vec<_> = startup.steps.iter().map(|s| s.state).collect();
        assert_eq!(
            states,
            [
                StepState::Done,
                StepState::Failed,
                StepState::Pending,
                StepState::Pending,
                StepState::Pending
            ]
        );
        let docker = &startup.steps[1];
        assert_eq!(docker.detail.as_deref(), Some("connection refused"));
        assert!(docker
            .hint
            .as_deref()
            .unwrap()
            .contains("systemctl start docker"));
        tracker.ready();
        assert_eq!(tracker.snapshot().phase, Phase::Ready);
    }
}
