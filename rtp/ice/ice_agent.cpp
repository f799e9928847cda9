#include "rtp/ice/ice_agent.hpp"

#include <atomic>
#include <utility>

#include <boost/asio/post.hpp>
#include <nice/agent.h>

#include "sdp/attributes.hpp"

namespace cosip::rtp::ice {

std::string_view to_string(ComponentState state) {
  switch (state) {
    case ComponentState::disconnected: return "disconnected";
    case ComponentState::gathering: return "gathering";
    case ComponentState::connecting: return "connecting";
    case ComponentState::connected: return "connected";
    case ComponentState::ready: return "ready";
    case ComponentState::failed: return "failed";
  }
  return "failed";
}

struct IceAgent::Glib {
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  NiceAgent* agent = nullptr;
};

struct IceAgent::Bridge {
  boost::asio::any_io_executor executor;
  std::weak_ptr<IceEvents> events;
  std::atomic<bool> gathering_done{false};

  Bridge(boost::asio::any_io_executor ex, std::weak_ptr<IceEvents> ev)
      : executor(std::move(ex)), events(std::move(ev)) {}

  // Runs `f(events)` on the owner's executor, unless the agent is gone by then.
  template <class F>
  void post(F f) {
    boost::asio::post(executor, [events = events, f = std::move(f)]() mutable {
      if (const auto e = events.lock()) f(*e);
    });
  }
};

namespace {

Candidate from_nice(const NiceCandidate& n) {
  Candidate c;
  c.foundation = n.foundation;
  c.component = static_cast<std::uint16_t>(n.component_id);
  c.priority = n.priority;
  char text[NICE_ADDRESS_STRING_LEN];
  nice_address_to_string(&n.addr, text);
  c.address = text;
  c.port = static_cast<std::uint16_t>(nice_address_get_port(&n.addr));
  switch (n.type) {
    case NICE_CANDIDATE_TYPE_HOST: c.type = CandidateType::host; break;
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: c.type = CandidateType::server_reflexive; break;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: c.type = CandidateType::peer_reflexive; break;
    case NICE_CANDIDATE_TYPE_RELAYED: c.type = CandidateType::relayed; break;
  }
  // RFC 8839 §5.1 raddr/rport: the base of a server-reflexive candidate. For
  // a relayed one it asks for the mapped address, which libnice does not
  // keep; the base it gives is the host socket the allocation came from.
  if (c.type != CandidateType::host && nice_address_is_valid(&n.base_addr)) {
    nice_address_to_string(&n.base_addr, text);
    c.related_address = text;
    c.related_port = static_cast<std::uint16_t>(nice_address_get_port(&n.base_addr));
  }
  return c;
}

NiceCandidateType nice_type(CandidateType type) {
  switch (type) {
    case CandidateType::host: return NICE_CANDIDATE_TYPE_HOST;
    case CandidateType::server_reflexive: return NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    case CandidateType::peer_reflexive: return NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
    case CandidateType::relayed: return NICE_CANDIDATE_TYPE_RELAYED;
  }
  return NICE_CANDIDATE_TYPE_HOST;
}

bool is_ip_literal(const std::string& address) {
  NiceAddress parsed;
  nice_address_init(&parsed);
  return nice_address_set_from_string(&parsed, address.c_str()) != FALSE;
}

void free_candidates(GSList* list) {
  g_slist_free_full(list, reinterpret_cast<GDestroyNotify>(nice_candidate_free));
}

// libnice's signals and receive callback, on the GLib thread (or on the
// owner's thread inside a libnice call): they only copy and post.

void on_gathering_done(NiceAgent*, guint, gpointer data) {
  auto* bridge = static_cast<IceAgent::Bridge*>(data);
  bridge->gathering_done = true;
  bridge->post([](IceEvents& e) {
    if (e.gathering_done) e.gathering_done();
  });
}

void on_state_changed(NiceAgent*, guint, guint component, guint state, gpointer data) {
  if (state >= NICE_COMPONENT_STATE_LAST) return;
  const auto s = static_cast<ComponentState>(state);  // same order as NiceComponentState
  static_cast<IceAgent::Bridge*>(data)->post([component, s](IceEvents& e) {
    if (e.state_changed) e.state_changed(static_cast<std::uint16_t>(component), s);
  });
}

void on_selected_pair(NiceAgent*, guint, guint component, NiceCandidate* local, NiceCandidate* remote,
                      gpointer data) {
  SelectedPair pair;
  pair.component = static_cast<std::uint16_t>(component);
  pair.local = from_nice(*local);
  pair.remote = from_nice(*remote);
  static_cast<IceAgent::Bridge*>(data)->post([pair = std::move(pair)](IceEvents& e) {
    if (e.selected_pair) e.selected_pair(pair);
  });
}

void on_receive(NiceAgent*, guint, guint component, guint length, gchar* bytes, gpointer data) {
  const auto* first = reinterpret_cast<const std::byte*>(bytes);
  static_cast<IceAgent::Bridge*>(data)->post(
      [component, datagram = std::vector<std::byte>(first, first + length)](IceEvents& e) {
        if (e.datagram) e.datagram(static_cast<std::uint16_t>(component), datagram);
      });
}

gboolean quit_loop_when_closed(gpointer data) {
  auto* glib = static_cast<IceAgent::Glib*>(data);
  // Releases TURN allocations (a Refresh with lifetime 0, RFC 8656) first.
  nice_agent_close_async(
      glib->agent, [](GObject*, GAsyncResult*, gpointer loop) { g_main_loop_quit(static_cast<GMainLoop*>(loop)); },
      glib->loop);
  return G_SOURCE_REMOVE;
}

}  // namespace

IceAgent::IceAgent(boost::asio::any_io_executor executor, IceConfig config, IceEvents events)
    : config_(std::move(config)),
      events_(std::make_shared<IceEvents>(std::move(events))),
      bridge_(std::make_unique<Bridge>(std::move(executor), events_)),
      glib_(std::make_unique<Glib>()) {
  glib_->context = g_main_context_new();
  glib_->loop = g_main_loop_new(glib_->context, FALSE);
  // RFC 5245 compatibility is libnice's standard full agent; regular
  // nomination is the only one RFC 8445 keeps (§8.1.1).
  glib_->agent = nice_agent_new_full(
      glib_->context, NICE_COMPATIBILITY_RFC5245,
      static_cast<NiceAgentOption>(NICE_AGENT_OPTION_REGULAR_NOMINATION | NICE_AGENT_OPTION_CONSENT_FRESHNESS));
  g_object_set(glib_->agent,
               "controlling-mode", config_.role == Role::controlling ? TRUE : FALSE,
               "ice-tcp", FALSE,
               "upnp", FALSE,
               "keepalive-conncheck", TRUE,  // keepalives are checks, so consent is refreshed (RFC 7675)
               "force-relay", config_.force_relay ? TRUE : FALSE,
               "stun-max-retransmissions", static_cast<guint>(config_.check_retransmissions),
               nullptr);
  g_signal_connect(glib_->agent, "candidate-gathering-done", G_CALLBACK(on_gathering_done), bridge_.get());
  g_signal_connect(glib_->agent, "component-state-changed", G_CALLBACK(on_state_changed), bridge_.get());
  g_signal_connect(glib_->agent, "new-selected-pair-full", G_CALLBACK(on_selected_pair), bridge_.get());

  loop_thread_ = std::thread([context = glib_->context, loop = glib_->loop] {
    g_main_context_push_thread_default(context);
    g_main_loop_run(loop);
    g_main_context_pop_thread_default(context);
  });
}

IceAgent::~IceAgent() {
  // close_async answers in the thread-default context of its caller: call it
  // on the loop's own thread, and quit the loop when it is done.
  g_main_context_invoke(glib_->context, quit_loop_when_closed, glib_.get());
  loop_thread_.join();
  g_signal_handlers_disconnect_by_data(glib_->agent, bridge_.get());
  g_object_unref(glib_->agent);
  // Sources the agent left behind are destroyed with the context; run what is
  // ready so their references drop now.
  while (g_main_context_iteration(glib_->context, FALSE)) {
  }
  g_main_loop_unref(glib_->loop);
  g_main_context_unref(glib_->context);
}

IceError IceAgent::gather() {
  if (config_.components < 1 || config_.components > 2)
    return {IceErrc::bad_component, "a stream has 1 (rtcp-mux) or 2 components"};
  if (stream_id_ != 0) return {IceErrc::agent_refused, "already gathering"};
  for (const std::string& address : config_.local_addresses) {
    NiceAddress local;
    nice_address_init(&local);
    if (!nice_address_set_from_string(&local, address.c_str()))
      return {IceErrc::bad_address, "a local address is no IP literal"};
    nice_agent_add_local_address(glib_->agent, &local);
  }
  if (config_.stun) {
    if (!is_ip_literal(config_.stun->address)) return {IceErrc::bad_address, "the STUN server is no IP literal"};
    g_object_set(glib_->agent, "stun-server", config_.stun->address.c_str(), "stun-server-port",
                 static_cast<guint>(config_.stun->port), nullptr);
  }
  if (config_.turn && !is_ip_literal(config_.turn->address))
    return {IceErrc::bad_address, "the TURN server is no IP literal"};

  stream_id_ = nice_agent_add_stream(glib_->agent, config_.components);
  if (stream_id_ == 0) return {IceErrc::agent_refused, "no stream"};
  for (guint component = 1; component <= config_.components; ++component) {
    if (config_.turn &&
        !nice_agent_set_relay_info(glib_->agent, stream_id_, component, config_.turn->address.c_str(),
                                   config_.turn->port, config_.turn->username.c_str(),
                                   config_.turn->password.c_str(), NICE_RELAY_TYPE_TURN_UDP))
      return {IceErrc::agent_refused, "TURN server refused"};
    nice_agent_attach_recv(glib_->agent, stream_id_, component, glib_->context, on_receive, bridge_.get());
  }
  if (!nice_agent_gather_candidates(glib_->agent, stream_id_))
    return {IceErrc::agent_refused, "gathering did not start (no usable local address?)"};
  return {};
}

Credentials IceAgent::local_credentials() const {
  Credentials out;
  gchar* ufrag = nullptr;
  gchar* pwd = nullptr;
  if (stream_id_ != 0 && nice_agent_get_local_credentials(glib_->agent, stream_id_, &ufrag, &pwd)) {
    out.ufrag = ufrag;
    out.pwd = pwd;
  }
  g_free(ufrag);
  g_free(pwd);
  return out;
}

IceError IceAgent::local_candidates(std::vector<Candidate>& out) const {
  out.clear();
  if (stream_id_ == 0 || !bridge_->gathering_done) return {IceErrc::not_gathered, "wait for gathering_done"};
  for (guint component = 1; component <= config_.components; ++component) {
    GSList* list = nice_agent_get_local_candidates(glib_->agent, stream_id_, component);
    for (GSList* i = list; i != nullptr; i = i->next) out.push_back(from_nice(*static_cast<NiceCandidate*>(i->data)));
    free_candidates(list);
  }
  return {};
}

IceError IceAgent::set_remote(const Credentials& remote, std::span<const Candidate> candidates,
                              bool end_of_candidates) {
  if (stream_id_ == 0) return {IceErrc::not_gathered, "gather() first"};
  if (sdp::decode_ice_ufrag(remote.ufrag) || sdp::decode_ice_pwd(remote.pwd))
    return {IceErrc::bad_credentials, "ufrag 4..256, pwd 22..256 ice-chars"};
  for (const Candidate& c : candidates)
    if (c.component < 1 || c.component > config_.components)
      return {IceErrc::bad_component, "a remote candidate names a component the stream lacks"};
  if (!nice_agent_set_remote_credentials(glib_->agent, stream_id_, remote.ufrag.c_str(), remote.pwd.c_str()))
    return {IceErrc::agent_refused, "remote credentials refused"};

  for (guint component = 1; component <= config_.components; ++component) {
    GSList* list = nullptr;
    for (const Candidate& c : candidates) {
      if (c.component != component) continue;
      NiceCandidate* n = nice_candidate_new(nice_type(c.type));
      list = g_slist_prepend(list, n);
      n->transport = NICE_CANDIDATE_TRANSPORT_UDP;
      n->stream_id = stream_id_;
      n->component_id = component;
      n->priority = c.priority;
      g_strlcpy(n->foundation, c.foundation.c_str(), NICE_CANDIDATE_MAX_FOUNDATION);
      if (!nice_address_set_from_string(&n->addr, c.address.c_str())) {
        free_candidates(list);
        return {IceErrc::bad_address, "a remote candidate's address is no IP literal"};
      }
      nice_address_set_port(&n->addr, c.port);
    }
    if (list == nullptr) continue;
    list = g_slist_reverse(list);
    const int added = nice_agent_set_remote_candidates(glib_->agent, stream_id_, component, list);
    free_candidates(list);
    if (added < 0) return {IceErrc::agent_refused, "remote candidates refused"};
  }
  // Trickle ICE (RFC 8838): no more candidates will come. Without trickle libnice took
  // the list as complete already; this matters once trickle is enabled.
  if (end_of_candidates) nice_agent_peer_candidate_gathering_done(glib_->agent, stream_id_);
  return {};
}

IceError IceAgent::send(std::uint16_t component, std::span<const std::byte> datagram) {
  if (stream_id_ == 0) return {IceErrc::not_gathered, "gather() first"};
  if (component < 1 || component > config_.components) return {IceErrc::bad_component, "no such component"};
  const gint sent = nice_agent_send(glib_->agent, stream_id_, component, static_cast<guint>(datagram.size()),
                                    reinterpret_cast<const gchar*>(datagram.data()));
  if (sent < 0 || static_cast<std::size_t>(sent) != datagram.size())
    return {IceErrc::send_failed, "no selected pair, or the socket refused the datagram"};
  return {};
}

}  // namespace cosip::rtp::ice
