//! HTTP tests: the real server on a loopback port with a fresh SQLite file per test.

mod access_matrix;
mod auth;
mod connections;
mod fallback;
mod health;
mod helpers;
mod openapi;
mod pages;
mod sandbox;
mod security;
mod system;
mod topics;
