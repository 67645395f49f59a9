//! Prometheus metrics of the OP, all prefixed `idgw_`, served by the admin listener.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

pub struct Metrics {
    registry: Registry,
    bc_authorize: Family<Labels, Counter>,
    token: Family<Labels, Counter>,
    transactions: Family<Labels, Counter>,
    notifications: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("idgw");
        let bc_authorize = Family::<Labels, Counter>::default();
        let token = Family::<Labels, Counter>::default();
        let transactions = Family::<Labels, Counter>::default();
        let notifications = Family::<Labels, Counter>::default();
        registry.register(
            "bc_authorize_requests",
            "Backchannel authentication requests by result",
            bc_authorize.clone(),
        );
        registry.register(
            "token_requests",
            "Token endpoint requests by result",
            token.clone(),
        );
        registry.register(
            "transactions_ended",
            "Authentication transactions by final state",
            transactions.clone(),
        );
        registry.register(
            "notifications",
            "Client notification delivery attempts by result",
            notifications.clone(),
        );
        Metrics {
            registry,
            bc_authorize,
            token,
            transactions,
            notifications,
        }
    }
}

impl Metrics {
    pub fn bc_authorize(&self, result: &str) {
        self.bc_authorize
            .get_or_create(&vec![("result", result.to_string())])
            .inc();
    }

    pub fn token(&self, result: &str) {
        self.token
            .get_or_create(&vec![("result", result.to_string())])
            .inc();
    }

    pub fn transaction_ended(&self, state: &str) {
        self.transactions
            .get_or_create(&vec![("state", state.to_string())])
            .inc();
    }

    pub fn notification(&self, result: &str) {
        self.notifications
            .get_or_create(&vec![("result", result.to_string())])
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
