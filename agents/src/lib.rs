//! MYCA agents: the wire protocol, the task streams on Redis, and the agent
//! runtime that runs inside every agent container, and the catalog of agent kinds.

pub mod integration;
pub mod kinds;
pub mod protocol;
pub mod runtime;
pub mod sealing;
pub mod streams;
