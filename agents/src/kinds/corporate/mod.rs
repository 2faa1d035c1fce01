//! Corporate kinds: decisions that gate actions, taken by rules the
//! operator sets in each agent's settings and explained in every result
//! (which rule decided, and why), with the company's figures read from the
//! real systems that hold them.

pub mod ceo;
pub mod cfo;
pub mod coo;
pub mod cto;
pub mod hr;
mod hubspot;
mod ledger;
pub mod legal;
mod mailchimp;
pub mod marketing;
pub mod procurement;
mod quickbooks;
mod rules;
pub mod sales;
mod stripe;
