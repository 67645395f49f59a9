//! End-to-end tests: the MSSP served on `127.0.0.1:0`, driven through the
//! AP client in both bindings, with a fake OTA platform standing in for
//! the OTA platform and the SIM (the real SIM simulator is idgw-sim).

mod faults;
mod flows;
mod harness;
mod notify;
mod schema;
