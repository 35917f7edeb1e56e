//! One suite, run on every runtime adapter against the embedded loopback Pyxis over HTTPS with a
//! required client certificate: results, TLS, connection reuse, retries, timeouts, body caps and
//! concurrency (`suite`, through a client), and each transport's own handling of TLS, caps,
//! resets, closed ports and connect timeouts (`transport`), through proxies (`tunnel`, and
//! `proxy` through a client) and with gzip (`compression`).

mod compression;
mod lookups;
mod proxy;
mod runtimes;
mod suite;
mod transport;
mod tunnel;

/// Instantiates every suite test for one runtime.
macro_rules! suite_for {
    ($module:ident, $runtime:ty) => {
        mod $module {
            use super::{compression, lookups, proxy, suite, transport, tunnel};

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
            #[test]
            fn requests_go_through_one_kept_alive_tunnel_with_the_client_certificate() {
                tunnel::requests_go_through_one_kept_alive_tunnel_with_the_client_certificate::<
                    $runtime,
                >();
            }
            #[test]
            fn credentials_are_sent_required_and_never_shown() {
                tunnel::credentials_are_sent_required_and_never_shown::<$runtime>();
            }
            #[test]
            fn a_refusing_proxy_is_a_proxy_refusal() {
                tunnel::a_refusing_proxy_is_a_proxy_refusal::<$runtime>();
            }
            #[test]
            fn an_unreachable_proxy_is_a_connect_error_naming_it() {
                tunnel::an_unreachable_proxy_is_a_connect_error_naming_it::<$runtime>();
            }
            #[test]
            fn no_proxy_hosts_bypass_the_tunnel() {
                tunnel::no_proxy_hosts_bypass_the_tunnel::<$runtime>();
            }
            #[test]
            fn the_environment_proxy_is_used_and_no_proxy_bypasses_it() {
                tunnel::the_environment_proxy_is_used_and_no_proxy_bypasses_it::<$runtime>();
            }
            #[test]
            fn without_proxy_ignores_the_environment() {
                tunnel::without_proxy_ignores_the_environment::<$runtime>();
            }
            #[test]
            fn a_silent_proxy_hits_the_connect_timeout() {
                tunnel::a_silent_proxy_hits_the_connect_timeout::<$runtime>();
            }
            /// Run by the environment tests above in a child process, with the proxy variables
            /// they choose; `Runtime::MODULE` names it.
            #[test]
            #[ignore = "run in a child process by the environment tests"]
            fn child_sends_one_request() {
                tunnel::child_sends_one_request::<$runtime>();
            }
            #[test]
            fn a_gzipped_answer_is_inflated() {
                compression::a_gzipped_answer_is_inflated::<$runtime>();
            }
            #[test]
            fn a_callers_own_accept_encoding_is_kept() {
                compression::a_callers_own_accept_encoding_is_kept::<$runtime>();
            }
            #[test]
            fn without_compression_nothing_is_asked_and_the_answer_comes_as_is() {
                compression::without_compression_nothing_is_asked_and_the_answer_comes_as_is::<
                    $runtime,
                >();
            }
            #[test]
            fn a_gzip_bomb_stops_at_the_cap_on_the_inflated_bytes() {
                compression::a_gzip_bomb_stops_at_the_cap_on_the_inflated_bytes::<$runtime>();
            }
            #[test]
            fn a_corrupt_gzip_body_is_a_decode_error() {
                compression::a_corrupt_gzip_body_is_a_decode_error::<$runtime>();
            }
        }
    };
}

suite_for!(tokio, crate::runtimes::Tokio);
suite_for!(smol, crate::runtimes::Smol);
suite_for!(async_std, crate::runtimes::AsyncStd);
