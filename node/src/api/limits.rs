//! What keeps the node serving its agency under heavy or hostile traffic (docs/operations.md#http):
//! a bound on the requests in flight per listener, shedding the rest with `503` and `Retry-After`;
//! a time limit on every request, its body included (`408`); per-route body limits; and a rate per
//! client address on the public write routes (`429` with `Retry-After`). Every refusal is counted
//! in `ledger_http_shed_total{reason}` and logged (at most once a second per reason, so that a
//! flood does not flood the log too).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use super::ApiError;
use crate::metrics::Metrics;

/// Largest body of an agency or admin request: one record (an `Issued` with its content is a few
/// KiB; a registry change far less).
pub const AGENCY_BODY_BYTES: usize = 1024 * 1024;
/// Largest body of `POST /add-checkpoint`: a checkpoint note with its cosignatures and a
/// consistency proof (63 hashes at most) in the C2SP tlog-witness text form.
pub const CHECKPOINT_BODY_BYTES: usize = 64 * 1024;
/// Largest body of every other request (reads carry none).
pub const OTHER_BODY_BYTES: usize = 16 * 1024;
/// Client addresses the rate limiter remembers before it forgets those idle long enough to be
/// back at a full burst.
const RATE_KEYS_KEPT: usize = 65_536;

/// The bound on one listener's requests in flight, and the time each may take.
#[derive(Debug)]
pub struct Admission {
    in_flight: Arc<Semaphore>,
    request_timeout: Duration,
    shedder: Shedder,
}

impl Admission {
    /// At most `max_in_flight` requests at once, each for at most `request_timeout`.
    pub fn new(max_in_flight: usize, request_timeout: Duration, metrics: Arc<Metrics>) -> Self {
        Admission {
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
            request_timeout,
            shedder: Shedder::new(metrics),
        }
    }

    /// Counts and logs a request or connection refused for `reason`.
    pub(super) fn shed(&self, reason: &'static str, client: Option<SocketAddr>) {
        self.shedder.shed(reason, client);
    }
}

/// Admits a request if fewer than the bound are in flight (else `503` with `Retry-After: 1`), and
/// answers `408` when it takes longer than the request timeout.
pub async fn admit(
    State(admission): State<Arc<Admission>>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_of(&request);
    let Ok(permit) = admission.in_flight.clone().try_acquire_owned() else {
        admission.shed("overload", client);
        return ApiError::Overloaded {
            message: "the node is serving as many requests as it can: retry shortly".into(),
            retry_after: 1,
        }
        .into_response();
    };
    let response = tokio::time::timeout(admission.request_timeout, next.run(request)).await;
    drop(permit);
    match response {
        Ok(response) => response,
        Err(_) => {
            admission.shed("timeout", client);
            ApiError::Timeout(format!(
                "the request took longer than {} s",
                admission.request_timeout.as_secs()
            ))
            .into_response()
        }
    }
}

/// A rate per client address (GCRA: `per_second` in the long run, bursts of `burst`).
#[derive(Debug)]
pub struct WriteRate {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    shedder: Shedder,
}

impl WriteRate {
    /// A limiter of `per_second` requests per client address, with bursts of `burst`.
    pub fn new(per_second: u32, burst: u32, metrics: Arc<Metrics>) -> Self {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        WriteRate {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            shedder: Shedder::new(metrics),
        }
    }

    /// Whether `client` may make a request now; else how long until it may.
    fn check(&self, client: IpAddr) -> Result<(), Duration> {
        if self.limiter.len() > RATE_KEYS_KEPT {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

/// Refuses a write request of a client over its rate with `429` and `Retry-After`. A request
/// without a known client address (never the case behind the node's own server) is not limited.
pub async fn limit_writes(
    State(rate): State<Arc<WriteRate>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(client) = client_of(&request)
        && let Err(wait) = rate.check(client.ip())
    {
        rate.shedder.shed("rate", Some(client));
        return ApiError::TooManyRequests {
            message: format!(
                "{} sent more write requests than its rate allows",
                client.ip()
            ),
            retry_after: wait.as_secs_f64().ceil().max(1.0) as u64,
        }
        .into_response();
    }
    next.run(request).await
}

/// The client's address, which the node's server loop (`serve`) puts on every request.
fn client_of(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// Counts every refusal and logs it as a warning, at most once a second per reason.
#[derive(Debug)]
struct Shedder {
    metrics: Arc<Metrics>,
    /// The second of the last warning, per reason.
    warned: Mutex<HashMap<&'static str, u64>>,
}

impl Shedder {
    fn new(metrics: Arc<Metrics>) -> Self {
        Shedder {
            metrics,
            warned: Mutex::default(),
        }
    }

    fn shed(&self, reason: &'static str, client: Option<SocketAddr>) {
        self.metrics.http_shed(reason);
        if self.due(reason) {
            let client = client.map(|c| c.to_string()).unwrap_or_default();
            tracing::warn!(
                reason,
                client,
                "refused a request to protect the node (counted in ledger_http_shed_total)"
            );
        }
    }

    /// True at most once a second for `reason`.
    fn due(&self, reason: &'static str) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let Ok(mut warned) = self.warned.lock() else {
            return true;
        };
        warned.insert(reason, now) != Some(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_burst_waits_and_others_do_not() {
        let rate = WriteRate::new(1, 3, Arc::new(Metrics::new()));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(rate.check(a).is_ok());
        }
        let wait = rate.check(a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(1));
        assert!(
            rate.check(b).is_ok(),
            "one client's flood does not limit another"
        );
    }

    #[test]
    fn warnings_are_logged_at_most_once_a_second_per_reason() {
        let shedder = Shedder::new(Arc::new(Metrics::new()));
        assert!(shedder.due("rate"));
        assert!(!shedder.due("rate"));
        assert!(shedder.due("overload"), "another reason has its own second");
    }
}
