//! One suite, run on every runtime adapter against the embedded loopback Pyxis over HTTPS with a
//! required client certificate: results, TLS, connection reuse, retries, timeouts, body caps and
//! concurrency.

mod runtimes;
mod suite;

/// Instantiates every suite test for one runtime.
macro_rules! suite_for {
    ($module:ident, $runtime:ty) => {
        mod $module {
            use super::suite;

            #[test]
            fn every_operation_returns_what_the_server_holds() {
                suite::every_operation_returns_what_the_server_holds::<$runtime>();
            }
            #[test]
            fn latest_images_are_newest_first_and_match_names_literally() {
                suite::latest_images_are_newest_first_and_match_names_literally::<$runtime>();
            }
            #[test]
            fn a_missing_or_untrusted_client_certificate_is_a_tls_error() {
                suite::a_missing_or_untrusted_client_certificate_is_a_tls_error::<$runtime>();
            }
            #[test]
            fn an_untrusted_server_is_a_tls_error() {
                suite::an_untrusted_server_is_a_tls_error::<$runtime>();
            }
            #[test]
            fn connections_are_reused() {
                suite::connections_are_reused::<$runtime>();
            }
            #[test]
            fn transient_faults_are_retried_and_succeed() {
                suite::transient_faults_are_retried_and_succeed::<$runtime>();
            }
            #[test]
            fn non_transient_faults_are_not_retried() {
                suite::non_transient_faults_are_not_retried::<$runtime>();
            }
            #[test]
            fn a_slow_response_times_out() {
                suite::a_slow_response_times_out::<$runtime>();
            }
            #[test]
            fn a_body_over_the_cap_is_refused_while_reading() {
                suite::a_body_over_the_cap_is_refused_while_reading::<$runtime>();
            }
            #[test]
            fn concurrent_lookups_overlap_their_latency() {
                suite::concurrent_lookups_overlap_their_latency::<$runtime>();
            }
            #[test]
            fn the_api_key_and_user_agent_reach_the_server() {
                suite::the_api_key_and_user_agent_reach_the_server::<$runtime>();
            }
        }
    };
}

suite_for!(tokio, crate::runtimes::Tokio);
suite_for!(smol, crate::runtimes::Smol);
suite_for!(async_std, crate::runtimes::AsyncStd);
