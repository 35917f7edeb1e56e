//! One suite, run on every runtime adapter against the embedded loopback Pyxis over HTTPS with a
//! required client certificate: results, TLS, connection reuse, retries, timeouts, body caps and
//! concurrency (`suite`, through a client), and each transport's own handling of TLS, caps,
//! resets, closed ports and connect timeouts (`transport`).

mod lookups;
mod proxy;
mod runtimes;
mod suite;
mod transport;

/// Instantiates every suite test for one runtime.
macro_rules! suite_for {
    ($module:ident, $runtime:ty) => {
        mod $module {
            use super::{lookups, proxy, suite, transport};

            #[test]
            fn every_operation_returns_what_the_server_holds() {
                suite::every_operation_returns_what_the_server_holds::<$runtime>();
            }
            #[test]
            fn detailed_lookups_return_what_the_server_holds() {
                lookups::detailed_lookups_return_what_the_server_holds::<$runtime>();
            }
            #[test]
            fn crawls_without_total_and_long_lists_in_chunks() {
                suite::crawls_without_total_and_long_lists_in_chunks::<$runtime>();
            }
            #[test]
            fn latest_images_are_the_highest_build_and_match_names_literally() {
                suite::latest_images_are_the_highest_build_and_match_names_literally::<$runtime>();
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
            #[test]
            fn a_valid_client_certificate_gets_an_answer() {
                transport::a_valid_client_certificate_gets_an_answer::<$runtime>();
            }
            #[test]
            fn the_convenience_client_talks_to_the_server() {
                transport::the_convenience_client_talks_to_the_server::<$runtime>();
            }
            #[test]
            fn plain_http_works_and_a_reset_is_connection_closed() {
                transport::plain_http_works_and_a_reset_is_connection_closed::<$runtime>();
            }
            #[test]
            fn a_declared_huge_body_is_refused_without_reading_it() {
                transport::a_declared_huge_body_is_refused_without_reading_it::<$runtime>();
            }
            #[test]
            fn a_streamed_body_stops_at_the_cap() {
                transport::a_streamed_body_stops_at_the_cap::<$runtime>();
            }
            #[test]
            fn a_reset_or_truncated_answer_is_connection_closed() {
                transport::a_reset_or_truncated_answer_is_connection_closed::<$runtime>();
            }
            #[test]
            fn a_closed_port_is_connect() {
                transport::a_closed_port_is_connect::<$runtime>();
            }
            #[test]
            fn a_stalled_handshake_hits_the_connect_timeout() {
                transport::a_stalled_handshake_hits_the_connect_timeout::<$runtime>();
            }
            #[test]
            fn a_connection_the_server_closed_is_not_reused() {
                transport::a_connection_the_server_closed_is_not_reused::<$runtime>();
            }
            #[test]
            fn sleep_waits_and_debug_shows_no_secrets() {
                transport::sleep_waits_and_debug_shows_no_secrets::<$runtime>();
            }
            #[test]
            fn an_unreachable_proxy_is_retried_as_a_connect_failure() {
                proxy::an_unreachable_proxy_is_retried_as_a_connect_failure::<$runtime>();
            }
            #[test]
            fn a_proxy_wanting_credentials_is_not_retried() {
                proxy::a_proxy_wanting_credentials_is_not_retried::<$runtime>();
            }
            #[test]
            fn a_client_gets_its_answers_through_the_tunnel() {
                proxy::a_client_gets_its_answers_through_the_tunnel::<$runtime>();
            }
        }
    };
}

suite_for!(tokio, crate::runtimes::Tokio);
suite_for!(smol, crate::runtimes::Smol);
suite_for!(async_std, crate::runtimes::AsyncStd);
