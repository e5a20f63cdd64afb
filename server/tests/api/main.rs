//! HTTP tests: the real server on a loopback port with a fresh SQLite file per test.

mod fallback;
mod health;
mod helpers;
mod openapi;
mod pages;
mod sandbox;
mod system;
