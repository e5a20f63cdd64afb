//! HTTP tests: the real server on a loopback port with a fresh SQLite file per test.

mod access_matrix;
mod audit;
mod audit_chain;
mod audit_coverage;
mod auth;
mod cli;
#[path = "../support/cloud.rs"]
mod cloud;
mod compliance;
mod connection_kinds;
mod connections;
mod deployment_sets;
mod deployments;
mod fallback;
mod health;
mod helpers;
mod impact;
mod inboxes;
mod inventory;
mod openapi;
mod operations;
mod pages;
#[path = "../support/pg_database.rs"]
mod pg_database;
mod pipeline_health;
mod postgres_schema;
#[path = "../support/postgres.rs"]
mod postgres_support;
mod preflight;
#[path = "../support/receiver.rs"]
mod receiver;
mod rules;
mod sandbox;
mod security;
mod set_health;
mod subscriptions;
mod system;
mod templates;
mod topics;
mod traces;
