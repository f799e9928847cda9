// The cosip command-line program: one thin client of the library's layers.
#include <CLI/CLI.hpp>

#include <iostream>

#include "apps/call_command.hpp"
#include "apps/parse_command.hpp"
#include "apps/responder_command.hpp"
#include "apps/usage_command.hpp"
#include "media/portaudio_device.hpp"

namespace {

void add_account_options(CLI::App& command, cosip::apps::AccountOptions& o) {
  command.add_option("--user", o.user, "digest user name (default: the user part of the AOR or --from)");
  command.add_option("--password", o.password, "digest password");
  command.add_option("--proxy", o.proxy, "outbound proxy URI");
  command.add_option("--dns", o.dns, "DNS server host:port for names (default: the system's)");
  command.add_option("--timeout", o.timeout_s, "give up after this many seconds (default 60)");
  command.add_option("--t1-ms", o.t1_ms, "RFC 3261 T1 in ms (default 500): requests time out after 64*T1")
      ->check(CLI::Range(1, 60000));
  command.add_flag("--verbose", o.verbose, "one line per message");
}

// `cosip devices`: one line per device, the defaults marked.
int list_audio_devices() {
  std::string error;
  const std::unique_ptr<cosip::media::PortAudio> system = cosip::media::PortAudio::initialize(error);
  if (!system) {
    std::cerr << "error: " << error << '\n';
    return 1;
  }
  const int default_in = system->default_device(cosip::media::AudioDirection::input);
  const int default_out = system->default_device(cosip::media::AudioDirection::output);
  for (const cosip::media::AudioDeviceInfo& d : system->devices())
    std::cout << cosip::media::describe(d) << (d.index == default_in ? " [default input]" : "")
              << (d.index == default_out ? " [default output]" : "") << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cosip: a SIP/SDP/RTP/MSRP user agent"};
  app.require_subcommand(1);

  std::string kind;
  std::string path;
  CLI::App* parse = app.add_subcommand(
      "parse", "check one message as a receiving UA does; print its canonical form");
  parse->add_option("kind", kind, "protocol of the message")
      ->required()
      ->check(CLI::IsMember({"sip", "sdp", "msrp", "cpim"}));
  parse->add_option("file", path, "file holding one whole message, or - for stdin")->required();

  CLI::App* devices = app.add_subcommand("devices", "list the audio devices PortAudio sees (for --speaker)");

  cosip::apps::ResponderOptions responder_options;
  CLI::App* responder = app.add_subcommand("responder", "a UAS that answers calls, messages and options until killed");
  responder->add_option("--listen", responder_options.listen, "udp:|tcp:|tls:ADDRESS:PORT (repeatable)")->required();
  responder->add_option("--code", responder_options.code, "final response to INVITE (default 200)")
      ->check(CLI::Range(200, 699));
  responder->add_option("--ring-ms", responder_options.ring_ms, "send 180 and answer this much later");
  responder->add_option("--hangup-ms", responder_options.hangup_ms, "send BYE this long after the ACK");
  responder->add_flag("--100rel", responder_options.reliable_provisionals,
                      "send the 180 reliably (RFC 3262) when the caller supports 100rel");
  responder->add_flag("--verbose", responder_options.verbose, "one line per message and transaction");
  responder->add_option("--udp-buffer", responder_options.udp_buffer, "UDP socket buffer size in bytes");
  responder->add_option("--tls-cert", responder_options.tls_certificate, "PEM certificate chain for tls: listeners");
  responder->add_option("--tls-key", responder_options.tls_key, "PEM private key for tls: listeners");
  responder->add_option("--tls-ca", responder_options.tls_ca, "PEM CA file to verify peers");
  responder->add_option("--register", responder_options.register_aor, "register this address of record while running");
  responder->add_option("--registrar", responder_options.registrar, "registrar URI (default: the AOR's domain)");
  responder->add_option("--password", responder_options.password, "digest password for --register");
  responder->add_option("--speaker", responder_options.speaker,
                        "where ringtones are heard: wav:FILE or a PortAudio output device (see `cosip devices`)");
  responder->add_option("--ringtone", responder_options.ringtone,
                        "WAV played on --speaker while a call rings (--ring-ms), the default inbound ringtone");
  responder->add_option("--ringtone-for", responder_options.ringtone_for,
                        "SIP-URI=FILE.wav: the ringtone for calls from that address of record (repeatable)");

  cosip::apps::CallOptions call_options;
  CLI::App* call = app.add_subcommand("call", "place one call and end it as the options say");
  call->add_option("uri", call_options.uri, "SIP URI to call (numeric host)")->required();
  call->add_option("--transport", call_options.transport, "udp, tcp or tls (default udp)");
  call->add_option("--expect", call_options.expect, "final response the call must get (default 200)");
  call->add_option("--hangup-ms", call_options.hangup_ms, "BYE this long after the answer; -1 waits for the peer's BYE");
  call->add_option("--cancel-after-ms", call_options.cancel_after_ms, "CANCEL this long after the first 1xx");
  call->add_flag("--reinvite", call_options.reinvite, "re-INVITE (hold) before hanging up");
  call->add_flag("--100rel", call_options.reliable_provisionals,
                 "offer 100rel (RFC 3262): reliable provisional responses get a PRACK");
  call->add_option("--session-expires", call_options.session_expires,
                   "ask for a session timer of this many seconds (RFC 4028), refreshed by re-INVITE")
      ->check(CLI::Range(90, 86400));
  call->add_option("--user", call_options.user, "digest user name for 401/407 challenges");
  call->add_option("--password", call_options.password, "digest password");
  call->add_option("--timeout", call_options.timeout_s, "give up after this many seconds (default 30)");
  call->add_option("--tls-ca", call_options.tls_ca, "PEM CA file to verify the server");
  call->add_flag("--tls-no-verify", call_options.tls_no_verify, "do not verify the server certificate");
  call->add_flag("--verbose", call_options.verbose, "one line per message");
  call->add_flag("--audio", call_options.audio, "negotiate audio, send a tone over RTP and play what comes in through the jitter buffer");
  call->add_option("--tone-hz", call_options.tone_hz, "frequency of the tone sent (default 440)");
  call->add_option("--codec", call_options.codec, "codec offered first: opus, PCMU or PCMA (default PCMU)");
  call->add_option("--record", call_options.record, "record the call's audio, both directions mixed, to this WAV file");
  call->add_option("--speaker", call_options.speaker,
                   "play what is heard (call audio, ringback, DTMF feedback) on a PortAudio output device "
                   "(by name, or \"default\") or into wav:FILE");
  call->add_option("--ringback", call_options.ringback, "mono WAV played on the speaker on 180/183 until the answer");
  call->add_option("--srtp", call_options.srtp, "off, optional (RTP/AVP with a=crypto) or mandatory (RTP/SAVP)")
      ->check(CLI::IsMember({"off", "optional", "mandatory"}));
  call->add_option("--dtmf", call_options.dtmf, "RFC 4733 digits to send a second after the answer");
  call->add_flag("--ice", call_options.ice,
                 "offer ICE (RFC 8839) with host candidates on every interface but loopback; RTP goes over the pair "
                 "ICE selects");
  call->add_option("--expect-tone", call_options.expect_tone_hz, "fail unless the audio received holds this tone (Hz)");
  call->add_option("--expect-dtmf", call_options.expect_dtmf, "fail unless exactly these digits are received");

  cosip::apps::RegisterOptions register_options;
  CLI::App* reg = app.add_subcommand("register", "register an address of record, stay registered, unregister");
  reg->add_option("aor", register_options.aor, "address of record, e.g. sip:alice@example.com")->required();
  reg->add_option("--registrar", register_options.registrar, "Request-URI of the REGISTER (default: the AOR's domain)");
  reg->add_option("--expires", register_options.expires, "seconds asked for (default 3600)");
  reg->add_option("--duration", register_options.duration_s, "seconds to stay registered before unregistering");
  add_account_options(*reg, register_options.account);

  cosip::apps::SubscribeOptions subscribe_options;
  CLI::App* subscribe = app.add_subcommand("subscribe", "subscribe to a resource, print its NOTIFYs, unsubscribe");
  subscribe->add_option("uri", subscribe_options.uri, "the resource, e.g. sip:bob@example.com")->required();
  subscribe->add_option("--from", subscribe_options.from, "who subscribes (default sip:cosip@localhost)");
  subscribe->add_option("--event", subscribe_options.event, "event package (default presence)");
  subscribe->add_option("--accept", subscribe_options.accept, "body types accepted (default application/pidf+xml)");
  subscribe->add_option("--expires", subscribe_options.expires, "seconds asked for (default 3600)");
  subscribe->add_option("--duration", subscribe_options.duration_s, "seconds to stay subscribed");
  add_account_options(*subscribe, subscribe_options.account);

  cosip::apps::PublishOptions publish_options;
  CLI::App* publish = app.add_subcommand("publish", "publish event state (RFC 3903), replace it, remove it");
  publish->add_option("aor", publish_options.aor, "the presentity, e.g. sip:alice@example.com")->required();
  publish->add_option("--body-file", publish_options.bodies, "state to publish; each next file replaces it")
      ->required();
  publish->add_option("--content-type", publish_options.content_type, "(default application/pidf+xml)");
  publish->add_option("--event", publish_options.event, "event package (default presence)");
  publish->add_option("--expires", publish_options.expires, "seconds asked for (default 3600)");
  publish->add_option("--interval", publish_options.interval_s, "seconds between the bodies and before removing");
  add_account_options(*publish, publish_options.account);

  cosip::apps::MessageOptions message_options;
  CLI::App* message = app.add_subcommand("message", "send one pager-mode MESSAGE (RFC 3428)");
  message->add_option("uri", message_options.uri, "the recipient")->required();
  message->add_option("--from", message_options.from, "the sender (default sip:cosip@localhost)");
  message->add_option("--body", message_options.body, "the text")->required();
  message->add_option("--content-type", message_options.content_type, "(default text/plain)");
  add_account_options(*message, message_options.account);

  CLI11_PARSE(app, argc, argv);

  if (reg->parsed()) return cosip::apps::run_register(register_options);
  if (subscribe->parsed()) return cosip::apps::run_subscribe(subscribe_options);
  if (publish->parsed()) return cosip::apps::run_publish(publish_options);
  if (message->parsed()) return cosip::apps::run_message(message_options);

  if (call->parsed()) return cosip::apps::run_call(call_options);
  if (devices->parsed()) return list_audio_devices();

  if (parse->parsed()) {
    if (kind == "sdp") return cosip::apps::parse_sdp(path);
    if (kind == "msrp") return cosip::apps::parse_msrp(path);
    if (kind == "cpim") return cosip::apps::parse_cpim(path);
    return cosip::apps::parse_sip(path);
  }
  if (responder->parsed()) return cosip::apps::run_responder(responder_options);
  return 0;
}
